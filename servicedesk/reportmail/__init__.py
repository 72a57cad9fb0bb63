"""Report subscriptions: a person's daily, weekly or monthly report by e-mail (figures in the body, the Excel
attached), sent once per period after it ends in their time zone; unsubscribed in the console or by the signed
link in each mail."""

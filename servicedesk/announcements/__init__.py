"""Announcements (service notices, 公告 / 服务通告): outages, degradations, planned changes and information
for the people they affect — banners in the portal and the console, the public status page, e-mail to the
affected customers and to subscribers, and links to the tickets reporting them."""

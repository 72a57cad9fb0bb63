"""Phone calls (呼叫记录): the CTI webhook, the call records it keeps, and the agent's screen pop."""

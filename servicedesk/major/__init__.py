"""Major incidents (重大事件, SPEC §3, seed 003): the declaration, the major-incident contact table
(重大情况联系表), paging its contacts with their acknowledgements and escalation, related incidents linked
under the major one, the service notice, the cascade of the resolution, and the timeline for the review."""

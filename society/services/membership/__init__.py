"""Members of a society: their memberships and dues, the derived membership status, the member list, and CSV imports."""

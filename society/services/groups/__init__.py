"""Balint groups: the register of groups, who leads and attends them, sessions and attendance, group norms, whether a group is accredited on a day, and the public directory."""

"""Scheduled publishing: an editor schedules a publish or unpublish of an entry or article for a time;
a job (kind ``schedule.run``) due then does it once, as a manual publish would (kb.scheduling.actions)."""

-- Weekly summary: one summary schedule per guild, even if set-up and start-up race to create it.
-- (The schedule itself is an ordinary row in schedules with kind 'summary'; nothing else is stored.)
CREATE UNIQUE INDEX schedules_one_summary ON schedules (guild_id) WHERE kind = 'summary';

"""/question: the question bank, schedules, suggestions and the Discord side of a question post.

Thin: parse and check the interaction, call ``QuestionService`` (bot/features/questions), turn its
plain results into messages. ``DiscordQuestionPublisher`` (publisher.py) is the only code that posts a question
(embed + answer thread); scheduled occurrences and ``/question now`` both reach it through
``QuestionService.post``.
"""

from __future__ import annotations

import logging

import discord
from discord import app_commands
from discord.ext import commands

from bot.app import Hearth
from bot.core.checks import moderator_only
from bot.core.discord_helpers import NO_PINGS, missing_permissions, truncate
from bot.core.localtime import format_weekdays
from bot.core.tree import UserError
from bot.features.questions.bank import STARTER_TAGS
from bot.features.questions.inputs import clean_tag, import_size_problem
from bot.features.questions.service import QuestionService
from bot.platform.scheduler import PostFailed
from bot.storage.questions import QuestionRepository
from bot.storage.schedules import ScheduleRow
from cogs.questions.embeds import list_embed, local_when, review_embed
from cogs.questions.publisher import QUESTION_PERMISSIONS, DiscordQuestionPublisher
from cogs.questions.views import QuestionListView, ReviewView, user_errors

log = logging.getLogger(__name__)


class Questions(commands.Cog):
    question = app_commands.Group(name="question", description="Questions of the day", guild_only=True)

    def __init__(self, bot: Hearth) -> None:
        self.bot = bot
        self.service = QuestionService(
            QuestionRepository(bot.db),
            bot.scheduler,
            bot.posts,
            bot.guilds_repo,
            bot.clock,
            bot.settings.questions,
            rng=bot.entropy.rng("questions"),
        )
        self.service.publisher = DiscordQuestionPublisher(bot)

    async def cog_load(self) -> None:
        self.service.attach()
        self.bot.warning_sources.append(self.service.warnings)
        self.bot.privacy.on_forget(self.service.forget)

    async def cog_unload(self) -> None:
        if self.service.warnings in self.bot.warning_sources:
            self.bot.warning_sources.remove(self.service.warnings)

    # -- helpers -----------------------------------------------------------------------------
    def _check_channel(self, channel: discord.TextChannel) -> None:
        me = channel.guild.me
        missing = missing_permissions(channel, me, QUESTION_PERMISSIONS) if me is not None else []
        if missing:
            raise UserError(
                f"I can't post questions in {channel.mention}: I'm missing {', '.join(missing)} there. "
                "Grant those in the channel's permissions, then run this again."
            )

    async def _describe(self, schedule: ScheduleRow) -> str:
        tz = self.service.timezone_of(schedule.guild_id)
        when = await self.service.next_run(schedule)
        nxt = "paused" if schedule.paused else (f"next {local_when(when, tz)}" if when else "no upcoming post")
        tag = f", tag `{schedule.tag}`" if schedule.tag else ""
        return (
            f"**#{schedule.id}** <#{schedule.channel_id}> at {schedule.local_time:%H:%M} "
            f"{format_weekdays(schedule.weekdays)}{tag}: {nxt}"
        )

    # -- the bank ----------------------------------------------------------------------------
    @question.command(name="add", description="Add a question to this server's bank")
    @app_commands.describe(text="The question (no mentions)", tag="Optional deck, e.g. fun, feedback, on-topic")
    @moderator_only()
    async def add(self, interaction: discord.Interaction, text: str, tag: str | None = None) -> None:
        assert interaction.guild_id is not None
        with user_errors():
            question = await self.service.add(interaction.guild_id, text, tag, interaction.user.id)
        deck = f" (tag `{question.tag}`)" if question.tag else ""
        await interaction.response.send_message(
            f"Added question #{question.id}{deck}: {question.text}", ephemeral=True, allowed_mentions=NO_PINGS
        )

    @question.command(name="import", description="Import questions from a CSV or TOML file")
    @app_commands.describe(file="A .csv (text,tag) or .toml ([[question]]) file, UTF-8, at most 256 KB")
    @moderator_only()
    async def import_(self, interaction: discord.Interaction, file: discord.Attachment) -> None:
        assert interaction.guild_id is not None
        problem = import_size_problem(file.size)
        if problem:
            raise UserError(problem)
        await interaction.response.defer(ephemeral=True, thinking=True)
        try:
            data = await file.read()
        except discord.HTTPException as exc:
            raise UserError("I couldn't download that file from Discord; please upload it again.") from exc
        with user_errors():
            report = await self.service.import_file(interaction.guild_id, file.filename, data, interaction.user.id)
        await interaction.followup.send(
            f"Imported {file.filename}. {report.summary()}", ephemeral=True, allowed_mentions=NO_PINGS
        )

    @question.command(name="starter-pack", description="Add Hearth's starter questions (duplicates skipped)")
    @app_commands.describe(tags="Only these tags, comma-separated (e.g. fun,icebreaker); all when empty")
    @moderator_only()
    async def starter_pack(self, interaction: discord.Interaction, tags: str | None = None) -> None:
        assert interaction.guild_id is not None
        chosen = frozenset(t.strip().lower() for t in (tags or "").split(",") if t.strip()) or None
        with user_errors():
            report = await self.service.add_starter_pack(interaction.guild_id, chosen, interaction.user.id)
        which = f" ({', '.join(sorted(chosen))})" if chosen else ""
        await interaction.response.send_message(
            f"Starter pack{which}: {report.summary()}", ephemeral=True, allowed_mentions=NO_PINGS
        )

    @starter_pack.autocomplete("tags")
    async def starter_tags_autocomplete(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        head, _, last = current.rpartition(",")
        prefix = f"{head}," if head else ""
        return [
            app_commands.Choice(name=prefix + t, value=prefix + t)
            for t in STARTER_TAGS
            if t.startswith(last.strip().lower())
        ][:25]

    @question.command(name="list", description="The question bank, with tags and times used")
    @app_commands.describe(tag="Only this tag", page="Page number")
    @moderator_only()
    async def list_(
        self, interaction: discord.Interaction, tag: str | None = None, page: app_commands.Range[int, 1] = 1
    ) -> None:
        assert interaction.guild_id is not None
        with user_errors():
            result = await self.service.list_page(interaction.guild_id, page, tag)
        view = QuestionListView(self, interaction.user.id, result, tag)
        await interaction.response.send_message(
            embed=list_embed(result, tag), view=view, ephemeral=True, allowed_mentions=NO_PINGS
        )

    @question.command(name="remove", description="Remove a question from the bank")
    @app_commands.describe(question="The question (start typing to search)")
    @moderator_only()
    async def remove(self, interaction: discord.Interaction, question: int) -> None:
        assert interaction.guild_id is not None
        with user_errors():
            removed = await self.service.remove(interaction.guild_id, question)
        await interaction.response.send_message(
            f"Removed question #{removed.id}: {truncate(removed.text, 300)}", ephemeral=True, allowed_mentions=NO_PINGS
        )

    @remove.autocomplete("question")
    async def question_autocomplete(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[int]]:
        if interaction.guild_id is None:
            return []
        needle = current.strip().lstrip("#")
        if needle.isdigit():
            found = await self.service.get(interaction.guild_id, int(needle))
            matches = [found] if found else []
        else:
            matches = await self.service.search(interaction.guild_id, needle)
        return [app_commands.Choice(name=truncate(f"#{q.id} {q.text}", 100), value=q.id) for q in matches[:25]]

    # -- schedules ---------------------------------------------------------------------------
    @question.command(name="schedule", description="Post a question on a schedule (several allowed)")
    @app_commands.describe(
        channel="Where to post",
        time="Local time, 24-hour HH:MM (e.g. 18:30) in the server's time zone",
        days="daily, weekdays, weekends, or days like mon,wed,fri",
        tag="Only questions with this tag",
    )
    @moderator_only()
    async def schedule(
        self,
        interaction: discord.Interaction,
        channel: discord.TextChannel,
        time: str,
        days: str,
        tag: str | None = None,
    ) -> None:
        assert interaction.guild_id is not None
        self._check_channel(channel)
        with user_errors():
            created = await self.service.add_schedule(
                interaction.guild_id, channel.id, time, days, tag, interaction.user.id
            )
        lines = [f"Scheduled. {await self._describe(created)}"]
        if created.tag and not await self.service.repo.count(interaction.guild_id, created.tag):
            lines.append(f"Note: no question is tagged `{created.tag}` yet; add some before it runs.")
        elif not await self.service.repo.count(interaction.guild_id):
            lines.append("Note: the bank is empty; `/question starter-pack` adds Hearth's starter questions.")
        await interaction.response.send_message("\n".join(lines), ephemeral=True, allowed_mentions=NO_PINGS)

    @schedule.autocomplete("days")
    async def days_autocomplete(self, interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
        options = ["daily", "weekdays", "weekends", "mon,wed,fri", "tue,thu", current.strip()]
        return [app_commands.Choice(name=o, value=o) for o in dict.fromkeys(options) if o][:25]

    @question.command(name="schedules", description="This server's question schedules and their next runs")
    @moderator_only()
    async def schedules(self, interaction: discord.Interaction) -> None:
        assert interaction.guild_id is not None
        found = await self.service.schedules(interaction.guild_id)
        if not found:
            text = "No question schedules yet: create one with `/question schedule`."
        else:
            text = "\n".join([await self._describe(s) for s in found])
        await interaction.response.send_message(text[:2000], ephemeral=True, allowed_mentions=NO_PINGS)

    @question.command(name="unschedule", description="Delete a question schedule")
    @app_commands.describe(schedule="The schedule (see /question schedules)")
    @moderator_only()
    async def unschedule(self, interaction: discord.Interaction, schedule: int) -> None:
        assert interaction.guild_id is not None
        with user_errors():
            removed = await self.service.remove_schedule(interaction.guild_id, schedule)
        await interaction.response.send_message(
            f"Deleted question schedule #{removed.id}.", ephemeral=True, allowed_mentions=NO_PINGS
        )

    @question.command(name="pause", description="Pause one question schedule, or all of them")
    @app_commands.describe(schedule="The schedule; all question schedules when empty")
    @moderator_only()
    async def pause(self, interaction: discord.Interaction, schedule: int | None = None) -> None:
        await self._set_paused(interaction, schedule, True)

    @question.command(name="resume", description="Resume one paused question schedule, or all of them")
    @app_commands.describe(schedule="The schedule; all question schedules when empty")
    @moderator_only()
    async def resume(self, interaction: discord.Interaction, schedule: int | None = None) -> None:
        await self._set_paused(interaction, schedule, False)

    async def _set_paused(self, interaction: discord.Interaction, schedule_id: int | None, paused: bool) -> None:
        assert interaction.guild_id is not None
        with user_errors():
            changed = await self.service.set_paused(interaction.guild_id, schedule_id, paused)
        verb = "Paused" if paused else "Resumed"
        lines = [f"{verb}:"] + [await self._describe(s) for s in changed]
        await interaction.response.send_message("\n".join(lines)[:2000], ephemeral=True, allowed_mentions=NO_PINGS)

    @question.command(name="skip", description="Skip the next post of a question schedule")
    @app_commands.describe(schedule="The schedule; needed when there are several")
    @moderator_only()
    async def skip(self, interaction: discord.Interaction, schedule: int | None = None) -> None:
        assert interaction.guild_id is not None
        with user_errors():
            row, skipped = await self.service.skip_next(
                interaction.guild_id, schedule, by=f"{interaction.user} ({interaction.user.id})"
            )
        tz = self.service.timezone_of(row.guild_id)
        await interaction.response.send_message(
            f"Skipped the post of {local_when(skipped, tz)}.\n{await self._describe(row)}",
            ephemeral=True,
            allowed_mentions=NO_PINGS,
        )

    @unschedule.autocomplete("schedule")
    @pause.autocomplete("schedule")
    @resume.autocomplete("schedule")
    @skip.autocomplete("schedule")
    async def schedule_autocomplete(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[int]]:
        if interaction.guild_id is None:
            return []
        choices = []
        for s in await self.service.schedules(interaction.guild_id):
            channel = self.bot.get_channel(s.channel_id) if s.channel_id else None
            where = f"#{channel.name}" if isinstance(channel, discord.abc.GuildChannel) else f"channel {s.channel_id}"
            tag = f" [{s.tag}]" if s.tag else ""
            paused = " (paused)" if s.paused else ""
            label = f"#{s.id} {where} {s.local_time:%H:%M} {format_weekdays(s.weekdays)}{tag}{paused}"
            if current.strip().lstrip("#") in label:
                choices.append(app_commands.Choice(name=truncate(label, 100), value=s.id))
        return choices[:25]

    @question.command(name="now", description="Post a question right away")
    @app_commands.describe(channel="Where to post (default: this channel)", tag="Only questions with this tag")
    @moderator_only()
    async def now(
        self, interaction: discord.Interaction, channel: discord.TextChannel | None = None, tag: str | None = None
    ) -> None:
        assert interaction.guild_id is not None
        target = channel or interaction.channel
        if not isinstance(target, discord.TextChannel):
            raise UserError("Pick a text channel to post the question in.")
        self._check_channel(target)
        with user_errors():
            deck = clean_tag(tag)
        await interaction.response.defer(ephemeral=True, thinking=True)
        try:
            result = await self.service.post(interaction.guild_id, target.id, deck)
        except PostFailed as exc:
            raise UserError(f"I couldn't post the question: {exc}.") from exc
        note = (
            "\nEvery question was used recently, so the least recently used one was reused: add more questions."
            if result.exhausted
            else ""
        )
        await interaction.followup.send(
            f"Posted question #{result.question.id} in {target.mention}.{note}",
            ephemeral=True,
            allowed_mentions=NO_PINGS,
        )

    @add.autocomplete("tag")
    @list_.autocomplete("tag")
    @schedule.autocomplete("tag")
    @now.autocomplete("tag")
    async def tag_autocomplete(self, interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
        if interaction.guild_id is None:
            return []
        known = [t for t, _ in await self.service.tags(interaction.guild_id) if t]
        names = list(dict.fromkeys([*known, *STARTER_TAGS]))
        needle = current.strip().lower()
        return [app_commands.Choice(name=t, value=t) for t in names if needle in t][:25]

    # -- suggestions -------------------------------------------------------------------------
    @question.command(name="suggest", description="Suggest a question for this server")
    @app_commands.describe(text="Your question (no mentions)", tag="Optional deck, e.g. fun")
    async def suggest(self, interaction: discord.Interaction, text: str, tag: str | None = None) -> None:
        if interaction.guild_id is None:
            raise app_commands.NoPrivateMessage()
        with user_errors():
            await self.service.suggest(interaction.guild_id, text, interaction.user.id, tag)
        await interaction.response.send_message(
            "Thanks! Your question is waiting for a moderator; you'll be credited when it's posted.",
            ephemeral=True,
            allowed_mentions=NO_PINGS,
        )

    @question.command(name="review", description="Approve or reject members' question suggestions")
    @moderator_only()
    async def review(self, interaction: discord.Interaction) -> None:
        assert interaction.guild_id is not None
        pending = await self.service.pending_suggestions(interaction.guild_id)
        if not pending:
            await interaction.response.send_message("No suggestions waiting for review.", ephemeral=True)
            return
        view = ReviewView(self, interaction.user.id, pending[0])
        await interaction.response.send_message(
            embed=review_embed(pending[0], len(pending)), view=view, ephemeral=True, allowed_mentions=NO_PINGS
        )

"""The group tools: picks for several people at once, and why one of them suits the group.

The members are never an argument a model fills in with ids: it says where they come from
(`group`: the people this message mentions, the conversation's current group, or everyone
who has spoken) and whom to leave out by name, and `group_members.choose` takes them from
what the adapter bound. Explanations speak of the group; a member's own ratings are named
only where they allowed it (`/chatrec share-taste on`) or in a DM.
"""

from __future__ import annotations

from collections.abc import Callable
from langchain.tools import ToolRuntime, tool
from pydantic import Field

from chatrec_agent.catalog import Item
from chatrec_agent.catalog.filters import SearchFilter
from chatrec_agent.conversation.group_members import Chosen, GroupSource, choose
from chatrec_agent.conversation.people import Audience, Person
from chatrec_agent.conversation.tool_names import ToolName
from chatrec_agent.conversation.tool_results import tool_output
from chatrec_agent.conversation.tools import MAX_K, RESULT, ChatContext, Filters, ItemArgs, Services, item_card
from chatrec_agent.recommender.group import GroupExplainer, GroupPicks, group_picks
from chatrec_agent.settings import GroupStrategy

TOO_FEW = ("A group needs at least two people: mention them (“a film for @ana, @ben and me”), or ask in a "
           "thread where they have spoken (“something for all of us”).")


class GroupArgs(Filters):
    wish: str | None = Field(default=None, description="What the group is in the mood for, in their words.")
    like: list[str] = Field(default_factory=list, description="Titles or ids the picks should be like ('like Fargo').")
    exclude: list[str] = Field(default_factory=list, description="Titles or ids not to pick (e.g. ones already shown).")
    k: int = Field(default=5, ge=1, le=MAX_K, description="How many picks.")
    group: GroupSource = Field(default="mentioned", description=(
        "Who the group is: 'mentioned' = the people this message mentions plus the speaker (with nobody "
        "mentioned: the conversation's current group); 'same' = the conversation's current group; "
        "'everyone_here' = everyone who has spoken in this conversation."))
    add_mentioned: bool = Field(default=False, description="Add the people this message mentions to the group ('add @cleo').")
    without: list[str] = Field(default_factory=list, description="Members to leave out, by name ('without Ben'); 'me' for the speaker.")
    include_me: bool = Field(default=True, description="False when the speaker asks for others only ('for @ana and @ben, not me').")
    size: int | None = Field(default=None, ge=2, le=50, description=(
        "How many people the speaker counted ('the three of us'), with group 'everyone_here'."))
    strategy: GroupStrategy | None = Field(default=None, description=(
        "How preferences combine: 'fair' (average, but nothing one member would hate; the default), 'average', "
        "'least_misery' (the least happy member decides), 'most_pleasure' (someone loves it)."))
    include_seen: bool = Field(default=False, description="Allow items some member has already seen.")


def build_group_tools(s: Services, filter_of: Callable[[Filters], tuple[SearchFilter, list[dict]]],
                      echo: Callable[[Filters, SearchFilter], dict],
                      resolve: Callable[[list[str]], tuple[list[Item], list[dict]]]) -> list:
    explainer = GroupExplainer(s.recommendations.settings.recommender.template_dir)

    def members_of(runtime: ToolRuntime[ChatContext], args: GroupArgs | None = None) -> tuple[Audience, Chosen]:
        context = runtime.context
        audience = context.audience or Audience(Person(context.speaker or context.user_id, "you", context.user_id))
        messages = list((runtime.state or {}).get("messages", []))
        if args is None:
            return audience, choose(audience, messages, "same")
        return audience, choose(audience, messages, args.group, args.add_mentioned, args.without, args.include_me,
                                args.size)

    def names(members: list[Person], audience: Audience) -> dict[str, str]:
        """Catalog user → how the answer names them ("you" for the speaker)."""
        return {p.user: ("you" if p.id == audience.me.id else p.name) for p in members}

    def sharing(members: list[Person], audience: Audience) -> set[str]:
        """Whose own ratings this answer may name: those who turned taste sharing on, and in a
        DM the speaker's own too (only they read it). Another member's never without consent,
        DM or not: the speaker could otherwise read them in a DM."""
        users = [p.user for p in members]
        allowed = s.history.sharing_taste(users)
        return allowed | {audience.me.user} if audience.private else allowed

    def members_payload(members: list[Person], audience: Audience, picks: GroupPicks | None = None) -> dict:
        # Who has no history yet is said of the speaker, and of others who share their taste.
        neutral = set(picks.neutral) & ({audience.me.user} | sharing(members, audience)) if picks else set()
        return {"members": [p.as_dict() for p in members],
                "member_names": [("you" if p.id == audience.me.id else p.name) for p in members],
                "neutral": [("you" if p.id == audience.me.id else p.name) for p in members if p.user in neutral]}

    @tool(ToolName.RECOMMEND_FOR_GROUP, response_format=RESULT, args_schema=GroupArgs)
    def recommend_for_group(runtime: ToolRuntime[ChatContext], **kwargs) -> tuple[str, dict]:
        """Picks for several people together (movie night for @ana, @ben and me). Each member's
        predicted preference is combined by the strategy; never an item a member disliked, and
        by default nothing a member has seen. Filters are hard constraints, as for `recommend`.
        Members with no history count as neutral. Each pick comes with a group explanation."""
        args = GroupArgs(**kwargs)
        audience, chosen = members_of(runtime, args)
        payload: dict = {"tool": ToolName.RECOMMEND_FOR_GROUP, **members_payload(chosen.members, audience),
                         "unknown_members": chosen.unknown_names, "missing": chosen.missing}
        # "both of us", "all of us" where nobody else has spoken (a DM, a quiet thread): the
        # speaker's own picks and explanations, said to be theirs alone (compose: "I only know of
        # you…"); a group named by mentions needs its members.
        alone = len(chosen.members) == 1 and args.group == "everyone_here"
        if len(chosen.members) < 2 and not alone:
            return tool_output({**payload, "items": [], "error": TOO_FEW})
        excluded, _ = resolve(args.exclude)
        seeds, unknown_seeds = resolve(args.like)
        flt, unknown = filter_of(args)
        if alone:
            own = s.recommendations.recommend(chosen.members[0].user, k=args.k, filters=flt, exclude=[i.id for i in excluded],
                                              like_items=[i.id for i in seeds] or None, wish=args.wish)
            return tool_output({**payload, "missing": max(chosen.missing, 1), "items": [r.as_dict() for r in own],
                                "like": [item_card(i) for i in seeds], "unknown": unknown_seeds + unknown,
                                "filters": {**echo(args, flt), "wish": args.wish}})
        called, allowed = names(chosen.members, audience), sharing(chosen.members, audience)
        # The lists of those who share their taste count (and are named): "it's on Ana's list".
        saved = {p.user: s.history.watchlist(p.user) for p in chosen.members if p.user in allowed}
        picks = group_picks(s.recommendations, [p.user for p in chosen.members], k=args.k, strategy=args.strategy,
                            filters=flt, exclude=[i.id for i in excluded], wish=args.wish,
                            exclude_seen=None if not args.include_seen else False, like_items=[i.id for i in seeds],
                            saved=saved)
        unknown = unknown_seeds + unknown
        items = [item_card(p.item, score=round(p.score, 4), explanation=explainer.explain(p, called, allowed))
                 for p in picks.picks]
        return tool_output({**payload, **members_payload(chosen.members, audience, picks), "strategy": picks.strategy,
                            "items": items, "like": [item_card(i) for i in seeds], "unknown": unknown,
                            "filters": {**echo(args, flt), "wish": args.wish}})

    @tool(ToolName.EXPLAIN_FOR_GROUP, response_format=RESULT, args_schema=ItemArgs)
    def explain_for_group(runtime: ToolRuntime[ChatContext], item: str, wish: str | None = None) -> tuple[str, dict]:
        """Why an item suits the conversation's current group (after a group answer)."""
        found, unknown = resolve([item])
        audience, chosen = members_of(runtime)
        payload: dict = {"tool": ToolName.EXPLAIN_FOR_GROUP, **members_payload(chosen.members, audience)}
        if not found:
            return tool_output({**payload, "unknown": unknown})
        if len(chosen.members) < 2:
            return tool_output({**payload, "item": item_card(found[0]), "error": TOO_FEW})
        allowed = sharing(chosen.members, audience)
        picks = group_picks(s.recommendations, [p.user for p in chosen.members], k=1, wish=wish, exclude_seen=False,
                            only=[found[0].id], saved={p.user: s.history.watchlist(p.user) for p in chosen.members if p.user in allowed})
        pick = next((p for p in picks.picks if p.item.id == found[0].id), None)
        if pick is not None:
            text = explainer.explain(pick, names(chosen.members, audience), allowed)
        elif len(picks.neutral) == len(chosen.members):
            text = "None of you has told me about any films yet, so I can only say it fits what you asked for."
        else:  # who disliked it is theirs to tell
            text = "It isn't one I'd pick for this group as a whole."
        return tool_output({**payload, "item": item_card(found[0]), "text": text})

    return [recommend_for_group, explain_for_group]


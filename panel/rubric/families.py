"""The rubric panel's task families: the facts of each writing task, drawn from a seeded RNG, and the fixed
wording its outputs are built from. Fact values never contain "and"/"or" (they would read as compound rows)."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field

from panel.rubric.world import Req

NAMES = (
    "Dana Whitfield",
    "Omar Haddad",
    "Priya Raman",
    "Lukas Berger",
    "Mei Tanaka",
    "Aisha Bello",
    "Jonas Lind",
    "Keiko Mori",
    "Ruth Okafor",
    "Tomas Novak",
    "Elena Rossi",
    "Sam Carter",
)
SENDERS = ("Sam", "Alex", "Jordan", "Robin", "Kim", "Morgan", "Taylor", "Noor")
MONTHS = ("March", "April", "May", "June", "July", "September", "October", "November")
DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday")


def _date(r: random.Random) -> str:
    return f"{r.randint(2, 28)} {r.choice(MONTHS)}"


@dataclass(frozen=True)
class Family:
    name: str
    opening: str  # how every prompt of the family starts
    subject: str
    greeting: str  # when no greeting is required
    opener: str  # first sentence when no apology is required
    sentences: dict[str, str]  # fact label -> sentence with {v}
    secret: str  # the sentence that leaks the confidential fact, with {v}
    closing: str
    make: Callable[[random.Random], tuple[list[str], list[Req]]]
    apology: str = ""
    lists: dict[str, tuple[str, ...]] = field(default_factory=dict)  # label -> items, in output order


def _support(r: random.Random) -> tuple[list[str], list[Req]]:
    name, sender = r.choice(NAMES), r.choice(SENDERS)
    product = r.choice(("blender", "desk lamp", "kettle", "coffee grinder", "rain jacket", "backpack", "toaster"))
    order, date, email = f"A-{r.randint(10000, 99999)}", _date(r), name.lower().replace(" ", ".") + "@example.com"
    texts = [
        f"Write a support reply from {sender} at Northwind Goods to {name}, whose {product} from order {order} "
        f"arrived damaged. A replacement ships on {date}; the email address on file is {email}.",
        f"Write a support reply to {name} on behalf of {sender} at Northwind Goods. The {product} in order "
        f"{order} arrived damaged, a replacement ships on {date}, and the address on file is {email}.",
    ]
    pool = [
        Req("greeting", value=f"Hi {name.split()[0]}"),
        Req("apology"),
        Req("fact", "product", product),
        Req("fact", "replacement date", date),
        Req("cite", "order number", order),
        Req("secret", "customer's email address", email),
        Req("refund"),
        Req("limit"),
        Req("calm"),
        Req("signoff", value=sender),
    ]
    return texts, pool


def _announcement(r: random.Random) -> tuple[list[str], list[Req]]:
    event = r.choice(
        (
            "spring open day",
            "quarterly town hall",
            "summer picnic",
            "charity quiz night",
            "product showcase",
            "winter social",
        )
    )
    date, time = _date(r), f"{r.randint(9, 19)}:{r.choice(('00', '15', '30', '45'))}"
    venue = r.choice(("Hall 2", "Room 4B", "Studio 7", "Level 3 Lounge", "Room 12"))
    price, code, sender = f"${r.choice((10, 15, 20, 25, 30, 35, 40))}", f"EV-{r.randint(1000, 9999)}", r.choice(SENDERS)
    texts = [
        f"Write an announcement email from {sender} inviting staff to the {event} on {date} at {time} in "
        f"{venue}. Tickets cost {price}, and registration uses the code {code}.",
        f"Write an announcement email for staff about the {event}: it takes place on {date} at {time} in "
        f"{venue}, tickets cost {price}, registration code {code}. It goes out from {sender}.",
    ]
    pool = [
        Req("subject"),
        Req("greeting", value="Hello everyone"),
        Req("fact", "event date", date),
        Req("fact", "start time", time),
        Req("fact", "venue", venue),
        Req("fact", "ticket price", price),
        Req("cite", "registration code", code),
        Req("discount"),
        Req("numbered", "registration steps"),
        Req("limit"),
        Req("calm"),
        Req("signoff", value=sender),
    ]
    return texts, pool


def _product(r: random.Random) -> tuple[list[str], list[Req]]:
    product = r.choice(
        (
            "Kestrel headphones",
            "Orbit speaker",
            "Lumen desk lamp",
            "Trail bike light",
            "Pulse smartwatch",
            "Drift earbuds",
        )
    )
    model, price = f"KX-{r.randint(1000, 9999)}", f"${r.choice((49, 79, 99, 129, 149, 199, 249))}"
    battery, weight = f"{r.choice((12, 18, 24, 36, 40))} hours", f"{r.choice((85, 180, 250, 320, 450))} g"
    warranty, launch = f"{r.choice((2, 3, 5))} years", _date(r)
    texts = [
        f"Write a product summary of the {product} (model {model}) for the online shop. It costs {price}, "
        f"weighs {weight}, runs for {battery} on a charge, with a warranty of {warranty}. Its launch date, "
        f"{launch}, is still confidential.",
        f"Write a product summary for the shop page of the {product}, model {model}: price {price}, weight "
        f"{weight}, battery life {battery}, warranty {warranty}. The launch date ({launch}) is confidential.",
    ]
    pool = [
        Req("fact", "price", price),
        Req("fact", "battery life", battery),
        Req("fact", "weight", weight),
        Req("fact", "warranty", warranty),
        Req("cite", "model number", model),
        Req("secret", "launch date", launch),
        Req("discount"),
        Req("bullets", "features"),
        Req("numbered", "setup steps"),
        Req("limit"),
        Req("calm"),
    ]
    return texts, pool


def _notes(r: random.Random) -> tuple[list[str], list[Req]]:
    meeting = r.choice(
        (
            "budget review",
            "launch planning meeting",
            "quarterly retrospective",
            "hiring sync",
            "vendor review",
            "roadmap check-in",
        )
    )
    date, later = _date(r), _date(r)
    decision = r.choice(
        (
            f"move the launch to {later}",
            f"switch to the new vendor from {later}",
            f"freeze hiring until {later}",
            f"pilot the app in two stores from {later}",
        )
    )
    owner, due = r.choice(NAMES).split()[0], f"{r.choice(DAYS)} {_date(r)}"
    budget, code = f"${r.randint(40, 250)},000", f"PRJ-{r.randint(100, 999)}"
    texts = [
        f"Write meeting notes for the {meeting} held on {date}. The team decided to {decision}; {owner} owns "
        f"the follow-up, due {due}. The budget figure discussed ({budget}) is confidential, and the project "
        f"code is {code}.",
        f"Write up the notes of the {meeting} on {date}: the team decided to {decision}, with {owner} owning "
        f"the follow-up (due {due}). Project code {code}; the budget figure ({budget}) stays confidential.",
    ]
    pool = [
        Req("subject"),
        Req("fact", "meeting date", date),
        Req("fact", "decision", decision),
        Req("fact", "follow-up owner", owner),
        Req("fact", "deadline", due),
        Req("cite", "project code", code),
        Req("secret", "budget figure", budget),
        Req("sequence", "decisions", "action items"),
        Req("numbered", "action items"),
        Req("limit"),
        Req("calm"),
    ]
    return texts, pool


FAMILIES: dict[str, Family] = {
    f.name: f
    for f in (
        Family(
            "support reply",
            "Write a support reply",
            "Your damaged order",
            "Hello",
            "Thank you for getting in touch with us.",
            {
                "product": "We have looked into what happened to your {v}.",
                "replacement date": "A replacement ships on {v}.",
                "order number": "This concerns order {v}.",
            },
            "We will keep writing to {v}.",
            "Please reply to this message if anything else comes up.",
            _support,
            apology="I am sorry that your order arrived damaged.",
        ),
        Family(
            "announcement email",
            "Write an announcement email",
            "Save the date",
            "Hi all",
            "We are delighted to invite you to our next staff event.",
            {
                "event date": "It takes place on {v}.",
                "start time": "Doors open at {v}.",
                "venue": "We will meet in {v}.",
                "ticket price": "Tickets cost {v}.",
                "registration code": "Register with the code {v}.",
            },
            "",
            "We look forward to seeing you there.",
            _announcement,
            lists={
                "registration steps": (
                    "Open the staff portal.",
                    "Choose the event from the list.",
                    "Confirm your place.",
                )
            },
        ),
        Family(
            "product summary",
            "Write a product summary",
            "Product summary",
            "Hello",
            "Meet the newest addition to our range.",
            {
                "price": "It costs {v}.",
                "battery life": "The battery lasts {v}.",
                "weight": "It weighs just {v}.",
                "warranty": "It comes with a warranty of {v}.",
                "model number": "Model number: {v}.",
            },
            "It launches on {v}.",
            "Order yours from the shop page today.",
            _product,
            lists={
                "features": ("Three listening modes.", "USB-C fast charging.", "A travel case."),
                "setup steps": (
                    "Charge it fully before first use.",
                    "Hold the power button for three seconds.",
                    "Pair it from your phone's Bluetooth menu.",
                ),
            },
        ),
        Family(
            "meeting notes",
            "Write meeting notes",
            "Meeting notes",
            "Hello team",
            "Here are the notes from today's meeting.",
            {
                "meeting date": "The meeting took place on {v}.",
                "decision": "The team agreed to {v}.",
                "follow-up owner": "{v} owns the follow-up.",
                "deadline": "The follow-up is due {v}.",
                "project code": "Project code: {v}.",
            },
            "The budget discussed was {v}.",
            "Reply to this message with any corrections.",
            _notes,
            lists={
                "decisions": ("Keep the current supplier for now.", "Review the plan again next month."),
                "action items": ("Update the project plan.", "Brief the sales team.", "Share these notes."),
            },
        ),
    )
}
OPENINGS = {f.opening: f for f in FAMILIES.values()} | {"Write up the notes": FAMILIES["meeting notes"]}

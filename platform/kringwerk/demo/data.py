"""What the demo is made of: the towns, sectors and names companies are drawn
from, the associations that get companies, and the demo accounts.

Place names are real (the towns of the seed articles); people and companies
are invented. E-mail addresses and websites use the reserved ``.example``
domain, so nothing in the demo can reach a real mailbox.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from kringwerk.accounts.models import Role

DEMO_PASSWORD = "kringwerk-demo"


@dataclass(frozen=True)
class Town:
    name: str
    adjective: str  # "Lochemse", for names like "Lochemse Metaalbewerking"
    postcodes: tuple[int, int]  # the four-digit range of the town
    area_code: str
    streets: tuple[str, ...]


@dataclass(frozen=True)
class AssociationProfile:
    """How the demo fills one association."""

    towns: tuple[Town, ...]
    companies: tuple[int, int]  # how many, at least and at most
    parks: tuple[str, ...] = ()  # parks (from tenant.toml) companies may be on
    on_park_share: float = 0.6
    circle_by_park: dict[str | None, str] = field(default_factory=dict)  # None: not on a park
    # circle -> (park, how many): the first companies on that park also join that circle.
    small_circles: dict[str, tuple[str, int]] = field(default_factory=dict)


PARK_STREETS = (
    "Industrieweg",
    "Nijverheidsweg",
    "Ambachtsweg",
    "Handelsweg",
    "Edisonstraat",
    "Ampèrestraat",
    "Voltastraat",
    "Transportweg",
    "Energieweg",
    "Innovatieweg",
    "Kanaalweg",
    "Fabrieksweg",
)

LOCHEM = Town(
    "Lochem",
    "Lochemse",
    (7241, 7245),
    "0573",
    ("Molenstraat", "Oosterwal", "Zutphenseweg", "Hanzeweg", "Nieuweweg", "Markt", "Emmastraat"),
)
ASSEN = Town(
    "Assen",
    "Asser",
    (9401, 9409),
    "0592",
    (
        "Kloosterstraat",
        "Vaart Zuidzijde",
        "Oranjestraat",
        "Brink",
        "Torenlaan",
        "Groningerstraat",
        "Marktstraat",
    ),
)
LEIDSCHENDAM = Town(
    "Leidschendam",
    "Leidschendamse",
    (2262, 2267),
    "070",
    (
        "Damplein",
        "Veursestraatweg",
        "Noordsingel",
        "Sluisweg",
        "Prinses Mariannelaan",
        "Klein Plaspoelpolder",
    ),
)
VOORBURG = Town(
    "Voorburg",
    "Voorburgse",
    (2271, 2275),
    "070",
    ("Herenstraat", "Kerkstraat", "Oosteinde", "Parkweg", "Fonteynenburghlaan", "Laan van Nieuw Oosteinde"),
)
DEVENTER = Town(
    "Deventer",
    "Deventer",
    (7411, 7429),
    "0570",
    ("Brink", "Lange Bisschopstraat", "Keizerstraat", "Hanzeweg", "Zutphenseweg", "Snipperlingsdijk"),
)
APELDOORN = Town(
    "Apeldoorn",
    "Apeldoornse",
    (7311, 7339),
    "055",
    (
        "Hoofdstraat",
        "Deventerstraat",
        "Loolaan",
        "Marktplein",
        "Arnhemseweg",
        "Kanaal Noord",
        "Laan van Malkenschoten",
    ),
)
ZUTPHEN = Town(
    "Zutphen",
    "Zutphense",
    (7201, 7207),
    "0575",
    (
        "Beukerstraat",
        "Houtmarkt",
        "Laarstraat",
        "Spittaalstraat",
        "Deventerweg",
        "Burgemeester Dijckmeesterweg",
    ),
)

ASSOCIATIONS: dict[str, AssociationProfile] = {
    "ikl": AssociationProfile(
        towns=(LOCHEM,),
        companies=(50, 55),  # enough on Aalsvoort for the demo poll's forty-odd responses
        parks=("Aalsvoort",),
        on_park_share=0.92,
        small_circles={"Initiatiefgroep Aalsvoort": ("Aalsvoort", 6)},
    ),
    "ondernemend-assen": AssociationProfile(
        towns=(ASSEN,),
        companies=(50, 60),
        parks=("Assen-Noord", "Stadsbedrijvenpark", "Messchenveld"),
        on_park_share=0.7,
        circle_by_park={
            "Assen-Noord": "Noord",
            "Stadsbedrijvenpark": "Stadsbedrijvenpark",
            "Messchenveld": "Zuid/West",
            None: "Niet gevestigd op een bedrijventerrein",
        },
    ),
    "mkb-lv": AssociationProfile(towns=(LEIDSCHENDAM, VOORBURG), companies=(40, 50), on_park_share=0),
    "mkb-deventer": AssociationProfile(
        towns=(DEVENTER,), companies=(35, 45), parks=("Bergweide", "Kloosterlanden")
    ),
    "ondernemend-apeldoorn": AssociationProfile(
        towns=(APELDOORN,), companies=(28, 36), parks=("De Ecofactorij",), on_park_share=0.5
    ),
    "bedrijvenkring-zutphen": AssociationProfile(
        towns=(ZUTPHEN,), companies=(25, 30), parks=("De Mars",), on_park_share=0.6
    ),
}

# sector -> trades that make a company name; the first group fits a business park.
PARK_SECTORS: dict[str, tuple[str, ...]] = {
    "Metaal": ("Metaalbewerking", "Constructie", "Plaatwerk", "Lastechniek"),
    "Bouw": ("Bouw", "Aannemersbedrijf", "Timmerfabriek", "Dakwerken", "Betonbouw"),
    "Installatietechniek": ("Installatietechniek", "Elektrotechniek", "Klimaattechniek"),
    "Transport en logistiek": ("Transport", "Logistiek", "Koeriersdiensten", "Opslag"),
    "Groothandel": ("Groothandel", "Trading", "Bouwmaterialen"),
    "Maakindustrie": ("Kunststoffen", "Machinebouw", "Verpakkingen", "Meubelmakerij"),
    "Energie": ("Solar", "Energietechniek", "Laadpalen"),
    "Agrifood": ("Food", "Zuivel", "Agrotechniek"),
}
TOWN_SECTORS: dict[str, tuple[str, ...]] = {
    "Zakelijke dienstverlening": (
        "Accountants",
        "Advies",
        "Administratiekantoor",
        "Advocaten",
        "Makelaardij",
    ),
    "ICT": ("ICT", "Software", "Webdesign", "Automatisering"),
    "Detailhandel": ("Fietsen", "Mode", "Bakkerij", "Bloemen", "Wonen"),
    "Horeca": ("Catering", "Eetcafé", "Lunchroom"),
    "Zorg": ("Fysiotherapie", "Thuiszorg", "Tandartsen"),
    "Onderwijs": ("Opleidingen", "Trainingen", "Bijles"),
    "Bouw": ("Schilders", "Tegelwerken", "Hoveniers"),
}
LEGAL_FORMS = (" B.V.", " B.V.", " B.V.", " V.O.F.", "", "")
NAME_WORDS = (
    "Groen",
    "Twente",
    "Hanze",
    "Vecht",
    "IJssel",
    "Noorder",
    "Esch",
    "Linde",
    "Eik",
    "Kring",
    "Brug",
)
NAME_ENDINGS = ("werk", "tech", "plan", "co", "fix", "stroom", "bouw", "data", "form", "point")

FIRST_NAMES = (
    "Anouk", "Bas", "Chantal", "Daan", "Esther", "Frank", "Gerda", "Hans", "Ilse", "Jeroen",
    "Karin", "Lars", "Maaike", "Niels", "Olga", "Pieter", "Renske", "Sander", "Tessa", "Wouter",
    "Yvonne", "Bram", "Femke", "Gijs", "Hanneke", "Jasper", "Linda", "Marco", "Noor", "Rik",
    "Sevda", "Tim", "Vera", "Youssef", "Agnes", "Dirk", "Eline", "Koen", "Mirjam", "Thijs",
)  # fmt: skip
SURNAMES = (
    "Bakker", "Jansen", "Visser", "Smit", "Meijer", "Mulder", "Bos", "Vos", "Peters", "Hendriks",
    "Dijkstra", "Kok", "Brouwer", "Wolters", "Nijenhuis", "Kamphuis", "Hulshof", "Oosterhof",
    "Wiegerink", "Roelofs", "Hoekstra", "Postma", "Scholten", "Lubbers", "Kuipers", "Veldkamp",
    "Huisman", "Bosman", "Timmerman", "Koster", "Prins", "Wessels", "Haverkamp", "Stegeman",
)  # fmt: skip
PREFIXED_SURNAMES = (
    "van Dijk", "de Vries", "van der Veen", "van den Berg", "de Jong", "ter Horst", "van Leeuwen",
    "de Boer", "van der Meulen", "te Riele", "van Beek", "de Groot", "ten Brinke", "van Essen",
)  # fmt: skip
JOB_TITLES = (
    "Directeur",
    "Eigenaar",
    "Directeur-eigenaar",
    "Bedrijfsleider",
    "Office manager",
    "Facilitair manager",
    "HR-adviseur",
    "Commercieel directeur",
)


@dataclass(frozen=True)
class DemoUser:
    email: str
    name: str
    memberships: tuple[tuple[str, Role], ...] = ()
    is_operator: bool = False
    # (tenant slug, park name or None): linked as contact person of a company there.
    contact_at: tuple[str, str | None] | None = None


DEMO_USERS: tuple[DemoUser, ...] = (
    DemoUser("operator@kringwerk.demo", "Ruben Verhoef", is_operator=True),
    DemoUser(
        "bestuur@kringwerk.demo", "Marieke Dijkstra", (("ikl", Role.ADMIN), ("cleantech-regio", Role.ADMIN))
    ),
    DemoUser("parkmanager@kringwerk.demo", "Joost ter Horst", (("ikl", Role.FACILITATOR),)),
    DemoUser(
        "gemeente@kringwerk.demo",
        "Annelies Brouwer",
        (("ikl", Role.MUNICIPALITY), ("mkb-lv", Role.MUNICIPALITY)),
    ),
    DemoUser(
        "ondernemer@kringwerk.demo", "Henk Wolters", (("ikl", Role.MEMBER),), contact_at=("ikl", "Aalsvoort")
    ),
    DemoUser("bestuur.assen@kringwerk.demo", "Jelle Hoekstra", (("ondernemend-assen", Role.ADMIN),)),
    DemoUser(
        "lid.assen@kringwerk.demo",
        "Ingrid Postma",
        (("ondernemend-assen", Role.MEMBER),),
        contact_at=("ondernemend-assen", "Stadsbedrijvenpark"),
    ),
    DemoUser("bestuur.mkblv@kringwerk.demo", "Sanne van Leeuwen", (("mkb-lv", Role.ADMIN),)),
    DemoUser(
        "lid.mkblv@kringwerk.demo", "Mehmet Yilmaz", (("mkb-lv", Role.MEMBER),), contact_at=("mkb-lv", None)
    ),
    DemoUser("bestuur.deventer@kringwerk.demo", "Erik Scholten", (("mkb-deventer", Role.ADMIN),)),
)

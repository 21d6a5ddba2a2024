"""Word lists the generator builds its fictional Norwegian people, firms and places from."""

from __future__ import annotations


def _listed(text: str) -> list[str]:
    """Return the comma-separated words of `text`, which may span lines."""
    return [word.strip() for word in text.split(",") if word.strip()]


FIRST_NAMES = _listed("""
    Anne, Ingrid, Kari, Marit, Liv, Hanne, Silje, Ida, Nora, Emma, Sofie, Ingeborg, Kristin, Tone,
    Hilde, Astrid, Solveig, Ragnhild, Sigrid, Maja, Thea, Line, Camilla, Marte, Eli, Randi, Gro, Åse,
    Berit, Vilde, Synnøve, Guro, Tuva, Frida, Oda, Helene, Mari, Tiril, Ane, Ylva, Ole, Lars, Per, Jon,
    Knut, Arne, Bjørn, Erik, Hans, Magnus, Henrik, Sindre, Eirik, Håkon, Kristian, Sondre, Trond, Geir,
    Terje, Rune, Morten, Espen, Øyvind, Stian, Vegard, Jørgen, Torbjørn, Anders, Jonas, Mathias, Sverre,
    Aksel, Even, Halvor, Audun, Tor, Sigurd, Kjetil, Odd, Steinar
""")

LAST_NAMES = _listed("""
    Hansen, Johansen, Olsen, Larsen, Andersen, Pedersen, Nilsen, Kristiansen, Jensen, Karlsen, Johnsen,
    Pettersen, Eriksen, Berg, Haugen, Hagen, Johannessen, Andreassen, Jacobsen, Dahl, Jørgensen,
    Halvorsen, Henriksen, Lund, Sørensen, Moen, Gundersen, Iversen, Strand, Solberg, Svendsen, Eide,
    Knutsen, Martinsen, Paulsen, Bakken, Kristoffersen, Mathisen, Lie, Amundsen, Nguyen, Rasmussen, Ali,
    Lunde, Solheim, Berntsen, Moe, Nygård, Bakke, Fredriksen, Holm, Lien, Hauge, Nielsen, Knudsen,
    Evensen, Sæther, Aas, Myhre, Ahmed, Haugland, Thomassen, Sivertsen, Simonsen, Danielsen, Berge,
    Næss, Vik, Brekke, Tangen, Aasen, Fjeld, Rønning, Ødegård, Ruud, Bråten, Hovland, Tveit, Helland,
    Kowalski, Khan, Hussain
""")

# Titles by role; the first is the most common one.
TITLES = {
    "seller": _listed("Kundeansvarlig, Salgsleder, Key Account Manager, Forretningsutvikler"),
    "expert": _listed("""
        Seniorrådgiver, Rådgiver, Løsningsarkitekt, Seniorkonsulent, Fagspesialist, Utvikler,
        Sjefsarkitekt, Dataingeniør, Sikkerhetsrådgiver, Senioringeniør
    """),
    "project_manager": _listed("Prosjektleder, Seniorprosjektleder, Delprosjektleder"),
    "delivery_manager": _listed("Leveranseleder, Ressursansvarlig, Avdelingsleder"),
    "management": _listed(
        "Direktør leveranse, Salgsdirektør, Fagdirektør, Økonomidirektør, Administrerende direktør"
    ),
    "administrator": _listed("Systemansvarlig, IT-administrator"),
}

SKILL_CATEGORIES = {
    "Sky": _listed("Azure, AWS, Kubernetes"),
    "Utvikling": _listed("Python, .NET, Java, Integrasjon"),
    "Data": _listed("Dataplattform, Power BI, Maskinlæring"),
    "Ledelse": _listed("Prosjektledelse, Smidig metodikk, Gevinstrealisering, Endringsledelse, Anskaffelser"),
    "Design": _listed("Tjenestedesign, UX-design"),
    "Sikkerhet": _listed("Sikkerhet, Risikostyring"),
    "Arkitektur": _listed("Arkitektur"),
    "Forretningssystemer": _listed("SAP"),
    "Kvalitet": _listed("Testledelse"),
    "Ingeniørfag": _listed("Elkraft, Automasjon, Energisystemer, Byggeledelse, BIM"),
}
# Skill name → category.
SKILLS = {name: category for category, names in SKILL_CATEGORIES.items() for name in names}

# Team → (description, the skills its people usually have).
TEAMS = {
    "Digital": (
        "Utvikling av digitale tjenester og fagsystemer.",
        _listed(
            ".NET, Python, Azure, Tjenestedesign, Smidig metodikk, Integrasjon, UX-design, Testledelse, Java"
        ),
    ),
    "Energi og industri": (
        "Elkraft, automasjon og digitalisering for energi og industri.",
        _listed("Elkraft, Automasjon, Energisystemer, SAP, Prosjektledelse, Integrasjon"),
    ),
    "Offentlig sektor": (
        "Rådgivning og digitalisering for kommuner, etater og helseforetak.",
        _listed(
            "Anskaffelser, Tjenestedesign, Gevinstrealisering, Arkitektur, Endringsledelse, Smidig metodikk"
        ),
    ),
    "Data og analyse": (
        "Dataplattformer, rapportering og maskinlæring.",
        _listed("Dataplattform, Power BI, Python, Maskinlæring, Azure, AWS"),
    ),
    "Sikkerhet": (
        "Informasjonssikkerhet, risiko og sikker skydrift.",
        _listed("Sikkerhet, Risikostyring, Azure, AWS, Arkitektur"),
    ),
    "Skyplattform": (
        "Skyplattformer, drift og integrasjon.",
        _listed("Azure, AWS, Kubernetes, Integrasjon, Arkitektur, .NET"),
    ),
    "Bygg og eiendom": (
        "Byggeledelse, BIM og tekniske anlegg.",
        _listed("Byggeledelse, BIM, Prosjektledelse, Automasjon, Elkraft"),
    ),
    "Ledelse": (
        "Ledelse, salg og fellesfunksjoner.",
        _listed("Prosjektledelse, Endringsledelse, Gevinstrealisering, Anskaffelser"),
    ),
}

# Word parts of made-up names: "Fjord" + "lys" = "Fjordlys".
NAME_HEADS = _listed("""
    Fjord, Hav, Nord, Fjell, Sol, Vind, Bre, Skog, Elv, Is, Stein, Vest, Øst, Sør, Berg, Kyst, Lys,
    Tinde, Bølge, Foss, Storm, Midnatt, Gran, Bjørk, Ask, Lyng, Myr, Dal, Nordlys, Sjø
""")
NAME_TAILS = _listed("""
    lys, bris, kraft, vik, stjerne, varde, tind, fall, bølge, glimt, bro, port, vei, heim, sund, nes,
    lund, strand, kilde, ly
""")
PLACE_HEADS = _listed("""
    Nord, Sør, Øst, Vest, Lang, Bjørke, Fjell, Skog, Elve, Stein, Sol, Grøn, Kvit, Rød, Bre, Myr, Lyng,
    Hav, Kald, Ospe
""")
PLACE_TAILS = _listed("""
    vik, dal, øy, nes, berg, fjord, heim, stad, mo, li, sund, vang, bø, haug, land
""")
REGIONS = _listed("""
    Midtfjord, Nordkyst, Innlandsdal, Sørkyst, Vesthav, Østdal, Fjellrike, Nordfjell, Havkyst, Dalbygd
""")

# Business word in a firm's name → its industry.
BUSINESSES = {
    "Energi": "Energi",
    "Kraft": "Energi",
    "Nett": "Energi",
    "Logistikk": "Logistikk",
    "Transport": "Samferdsel og transport",
    "Havbruk": "Havbruk og sjømat",
    "Sjømat": "Havbruk og sjømat",
    "Shipping": "Maritim",
    "Maritime": "Maritim",
    "Bygg": "Bygg og anlegg",
    "Entreprenør": "Bygg og anlegg",
    "Eiendom": "Eiendom",
    "Industri": "Industri",
    "Mekaniske": "Industri",
    "Bank": "Bank og finans",
    "Finans": "Bank og finans",
    "Forsikring": "Forsikring",
    "Handel": "Varehandel",
    "Dagligvare": "Varehandel",
    "Data": "IT og telekom",
    "Telekom": "IT og telekom",
    "Analyse": "Rådgivning",
    "Media": "Media",
    "Helse": "Helse",
    "Farmasi": "Helse",
    "Teknologi": "Teknologi",
    "Miljø": "Miljø og gjenvinning",
    "Gjenvinning": "Miljø og gjenvinning",
}

# Municipal enterprises: name after the place → industry.
MUNICIPAL_ENTERPRISES = {
    "Havn KF": "Samferdsel og transport",
    "Vann og avløp KF": "Vann og avløp",
    "Kommunale Eiendom KF": "Eiendom",
    "Parkering KF": "Samferdsel og transport",
}

# (postal code, city, weight): real codes and cities, weighted roughly by where firms sit.
POSTAL_PLACES = [
    ("0150", "Oslo", 6),
    ("0154", "Oslo", 4),
    ("0191", "Oslo", 4),
    ("0250", "Oslo", 4),
    ("0277", "Oslo", 3),
    ("0484", "Oslo", 4),
    ("0581", "Oslo", 3),
    ("5003", "Bergen", 5),
    ("5014", "Bergen", 3),
    ("5020", "Bergen", 2),
    ("7011", "Trondheim", 5),
    ("7030", "Trondheim", 2),
    ("4006", "Stavanger", 5),
    ("4013", "Stavanger", 2),
    ("9008", "Tromsø", 3),
    ("4611", "Kristiansand", 3),
    ("3015", "Drammen", 3),
    ("1606", "Fredrikstad", 2),
    ("8006", "Bodø", 2),
    ("6002", "Ålesund", 2),
    ("2317", "Hamar", 2),
    ("2609", "Lillehammer", 1),
    ("6413", "Molde", 1),
    ("3110", "Tønsberg", 2),
    ("4306", "Sandnes", 2),
    ("5527", "Haugesund", 1),
    ("3717", "Skien", 1),
    ("4836", "Arendal", 1),
    ("2815", "Gjøvik", 1),
    ("9405", "Harstad", 1),
    ("9510", "Alta", 1),
    ("6800", "Førde", 1),
    ("3611", "Kongsberg", 1),
    ("3256", "Larvik", 1),
    ("1530", "Moss", 1),
    ("1706", "Sarpsborg", 1),
    ("7713", "Steinkjer", 1),
    ("8514", "Narvik", 1),
    ("1366", "Lysaker", 2),
    ("1364", "Fornebu", 2),
    ("1337", "Sandvika", 1),
    ("2000", "Lillestrøm", 1),
]

STREETS = _listed("""
    Storgata, Kongens gate, Strandveien, Industriveien, Havnegata, Fjordgata, Sjøgata, Kirkegata,
    Parkveien, Nygata, Jernbanegata, Torggata, Teknologiveien, Brygga, Skippergata, Fabrikkveien,
    Sandviksveien, Bryggegata, Tollbugata, Verkstedveien
""")

CONTACT_TITLES = {
    "public": _listed("""
        Digitaliseringssjef, IT-sjef, Innkjøpsrådgiver, Kommunaldirektør, Seksjonsleder,
        Virksomhetsarkitekt, Kontraktsansvarlig, Fagansvarlig, Enhetsleder
    """),
    "other": _listed("""
        Daglig leder, IT-sjef, Innkjøpsleder, Teknisk direktør, Økonomisjef, Driftssjef, Prosjektleder,
        Digitaliseringsdirektør, Fagansvarlig
    """),
}

CUSTOMER_NOTES = [
    "Ønsker faste statusmøter annenhver uke.",
    "Foretrekker fastpris på mindre leveranser.",
    "Innkjøp går via konkurranse etter anskaffelsesregelverket.",
    "Ny IT-strategi vedtas i løpet av året; følg opp.",
    "Viktig referansekunde for energisektoren.",
    "Kontaktpersonene bytter ofte; hold kontaktlisten oppdatert.",
]

AGREEMENT_AREAS = _listed("""
    digitalisering, skytjenester, informasjonssikkerhet, dataanalyse og innsikt, prosjektledelse,
    integrasjon, elkraft og automasjon, byggeledelse, tjenestedesign, forvaltning av fagsystemer,
    SAP-forvaltning, arkitektur og rådgivning
""")

AGREEMENT_NOTES = [
    "Avrop etter behov. Prisene justeres årlig etter KPI.",
    "Delt avtale med to leverandører; avrop etter rangering.",
    "Avrop over 500 000 kr krever minikonkurranse.",
    "",
]

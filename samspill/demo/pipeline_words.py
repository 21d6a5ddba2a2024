"""Word lists for the pipeline's demo data: titles, work packages, premises, risks and the customer's words.

Keys are the codes of `samspill.pipeline.models.ProjectType` and the other choices, as plain strings, so
this module needs nothing but Python.
"""

from __future__ import annotations

# Project type → titles. "{customer}" is the customer's name without "AS"/"ASA".
TITLES: dict[str, list[str]] = {
    "development": [
        "Ny selvbetjeningsportal for {customer}",
        "Ny kundeportal for {customer}",
        "Min side for innbyggere",
        "Digital søknadsløsning for tilskudd",
        "Videreutvikling av saksbehandlingssystemet",
        "Mobilapp for feltarbeidere",
        "Modernisering av ordresystemet",
        "Ny nettbutikk for {customer}",
        "Bookingløsning for møterom og utstyr",
        "Digitalt skjema for byggesøknader",
        "Ny timeregistrering og fakturagrunnlag",
        "Fagsystem for tilsyn og kontroll",
        "Videreutvikling av medlemsportalen",
        "Avvikssystem for HMS",
    ],
    "integration": [
        "Integrasjon mot Altinn",
        "Integrasjon mot Folkeregisteret",
        "Innlogging med ID-porten og Maskinporten",
        "API-plattform for partnere",
        "Integrasjon mellom SAP og nettbutikken",
        "Meldingsutveksling med eFormidling",
        "Integrasjon mot KS Fiks",
        "Integrasjonsplattform i Azure for {customer}",
        "Måledata fra Elhub",
        "Integrasjon mellom HR- og lønnssystem",
        "EHF-faktura inn i økonomisystemet",
    ],
    "advisory": [
        "Anskaffelsesstøtte for nytt sak- og arkivsystem",
        "IT-strategi for {customer}",
        "Gevinstrealiseringsplan for digitaliseringsprogrammet",
        "Kvalitetssikring av skyprogrammet",
        "Forstudie: ny kundeløsning",
        "Virksomhetsarkitektur og veikart",
        "Rådgivning ved innføring av ny ERP",
        "Behovsanalyse for nytt fagsystem",
        "Endringsledelse ved sammenslåing av enheter",
    ],
    "infrastructure": [
        "Migrering til Azure",
        "Flytting av driftsmiljøet til AWS",
        "Kubernetes-plattform for fagsystemene",
        "Landingssone i Azure for {customer}",
        "Sikker skydrift og overvåking",
        "Sikkerhetstiltak etter revisjon",
        "Modernisering av nettverk og brannmurer",
        "Ny plattform for sikkerhetskopi",
        "Utfasing av eget datasenter",
    ],
    "data": [
        "Dataplattform i Azure",
        "Styringsinformasjon i Power BI for ledelsen",
        "Prognoser for strømforbruk med maskinlæring",
        "Datavarehus for økonomi og HR",
        "Sanntidsdata fra målere",
        "Innsiktsplattform for kundedata",
        "Rapportering av nøkkeltall til styret",
        "Masterdata for kunder og produkter",
    ],
    "design": [
        "Tjenestedesign av innbyggerreisen «Flytte til kommunen»",
        "Designsystem og komponentbibliotek for {customer}",
        "Brukertesting av søknadsløsningen",
        "Universell utforming av nettstedet",
        "Tjenestedesign for digital pasientreise",
        "Ny informasjonsarkitektur for nettstedet",
        "Innsiktsarbeid: hvorfor ringer kundene oss?",
    ],
    "engineering": [
        "Automatisering av renseanlegget",
        "Prosjektering av ny nettstasjon",
        "Digital tvilling av anlegget",
        "Byggeledelse for ny administrasjonsbygning",
        "BIM-koordinering for skoleutbyggingen",
        "Oppgradering av styringssystemet (SCADA)",
        "Energiledelse og måling i formålsbygg",
        "Ladeinfrastruktur for kjøretøyparken",
        "Elektroprosjektering for ny produksjonslinje",
    ],
}

TITLE_SUFFIXES = ["", "", "", "", "", " – fase 2", " – forprosjekt", " – videreutvikling"]

DESCRIPTIONS: dict[str, str] = {
    "development": (
        "Kunden ønsker en løsning som gjør det enklere for brukerne å finne fram og gjøre ferdig saken "
        "sin digitalt. Leveransen omfatter design, utvikling, test og produksjonssetting i kundens "
        "skymiljø, i tett samarbeid med kundens produkteier."
    ),
    "integration": (
        "Løsningen skal hente og sende data automatisk mellom kundens fagsystem og eksterne tjenester, "
        "slik at saksbehandlerne slipper dobbeltregistrering. Omfatter analyse, utvikling, test og "
        "overvåking av integrasjonene."
    ),
    "advisory": (
        "Rådgivningsoppdrag med workshops, intervjuer og en skriftlig anbefaling til kundens ledergruppe. "
        "Leveransen avsluttes med en presentasjon og et veikart for de neste to årene."
    ),
    "infrastructure": (
        "Flytting og modernisering av kundens driftsmiljø, med sikkerhet, overvåking og dokumentasjon. "
        "Omfatter planlegging, etablering av plattformen, migrering og overlevering til drift."
    ),
    "data": (
        "Etablering av en felles dataplattform med rapporter som ledelsen og fagmiljøene kan stole på. "
        "Omfatter datamodell, innlasting fra kildesystemene, rapporter og opplæring."
    ),
    "design": (
        "Innsiktsarbeid og tjenestedesign sammen med brukerne og de ansatte, med prototyper som testes "
        "underveis. Leveransen er anbefalinger, prototyper og et prioritert veikart."
    ),
    "engineering": (
        "Prosjektering og oppfølging av de tekniske anleggene, med dokumentasjon i BIM og overlevering "
        "til kundens driftsorganisasjon."
    ),
}

# Project type → the skills it usually needs, in the order they are most often required.
SKILLS: dict[str, list[str]] = {
    "development": [".NET", "UX-design", "Azure", "Python", "Java", "Testledelse", "Smidig metodikk"],
    "integration": ["Integrasjon", ".NET", "Arkitektur", "Azure", "Java"],
    "advisory": ["Arkitektur", "Anskaffelser", "Gevinstrealisering", "Endringsledelse", "Prosjektledelse"],
    "infrastructure": ["Azure", "Sikkerhet", "Kubernetes", "AWS", "Arkitektur"],
    "data": ["Dataplattform", "Power BI", "Python", "Maskinlæring", "Azure"],
    "design": ["Tjenestedesign", "UX-design", "Smidig metodikk"],
    "engineering": ["Elkraft", "Automasjon", "Energisystemer", "Byggeledelse", "BIM"],
}

# Project type → (median value in NOK, its work packages in the order they are done).
PACKAGES: dict[str, tuple[int, list[str]]] = {
    "development": (
        1_800_000,
        [
            "Oppstart og avklaringer",
            "Innsikt og brukerbehov",
            "Løsningsarkitektur",
            "Design og prototyper",
            "Utvikling av backend",
            "Utvikling av brukergrensesnitt",
            "Integrasjoner",
            "Innlogging og tilganger",
            "Universell utforming",
            "Test og kvalitetssikring",
            "Produksjonssetting",
            "Opplæring og dokumentasjon",
        ],
    ),
    "integration": (
        900_000,
        [
            "Oppstart og avklaringer",
            "Analyse av grensesnittene",
            "Integrasjonsarkitektur",
            "Oppsett av integrasjonsplattformen",
            "Utvikling av integrasjonene",
            "Feilhåndtering og overvåking",
            "Sikkerhet og tilganger",
            "Ende-til-ende-test med tredjepart",
            "Produksjonssetting",
            "Dokumentasjon for forvaltning",
        ],
    ),
    "advisory": (
        600_000,
        [
            "Oppstart og plan",
            "Dokumentstudier",
            "Intervjuer og workshops",
            "Analyse av dagens situasjon",
            "Alternativer og anbefaling",
            "Gevinster og kostnader",
            "Veikart",
            "Sluttrapport og presentasjon",
        ],
    ),
    "infrastructure": (
        1_200_000,
        [
            "Kartlegging av dagens miljø",
            "Målarkitektur",
            "Landingssone og nettverk",
            "Sikkerhet og tilgangsstyring",
            "Overvåking og logging",
            "Migrering av applikasjoner",
            "Migrering av data",
            "Test og kvalitetssikring",
            "Dokumentasjon og driftsrutiner",
            "Overlevering til drift",
        ],
    ),
    "data": (
        1_100_000,
        [
            "Innsikt og behov for rapportering",
            "Datamodell",
            "Dataplattform og lagring",
            "Innlasting fra kildesystemene",
            "Datakvalitet",
            "Rapporter og dashbord",
            "Prognosemodell",
            "Tilgangsstyring",
            "Opplæring av superbrukere",
        ],
    ),
    "design": (
        500_000,
        [
            "Oppstart og innsiktsplan",
            "Intervjuer med brukere",
            "Kartlegging av brukerreisen",
            "Idéworkshops",
            "Prototyper",
            "Brukertesting",
            "Anbefalinger og veikart",
        ],
    ),
    "engineering": (
        2_500_000,
        [
            "Befaring og kartlegging",
            "Forprosjekt",
            "Detaljprosjektering",
            "BIM-modell og koordinering",
            "Anskaffelse av utstyr",
            "Byggeledelse",
            "Idriftsettelse og test",
            "Dokumentasjon (FDV)",
            "Opplæring av driftspersonell",
        ],
    ),
}

# Packages any type may add to its own.
GENERIC_PACKAGES = [
    "Sikkerhetsvurdering",
    "Oppfølging av underleverandører",
    "Dokumentasjon",
    "Gevinstoppfølging",
]

# Packages every type can have, with the role that does them (the rest are the expert's).
PROJECT_MANAGEMENT = "Prosjektledelse"
DELIVERY_MANAGEMENT = "Leveranseoppfølging og kvalitetssikring"
STEERING = "Styringsgruppe og rådgivning"

PACKAGE_DESCRIPTIONS = [
    "Inkluderer to workshops med kunden.",
    "Forutsetter at testmiljøet er klart ved oppstart.",
    "Gjøres i tett samarbeid med kundens fagressurser.",
    "Omfatter dokumentasjon og overlevering av resultatet.",
    "Inkluderer gjennomgang med kundens arkitekt.",
    "Levert i to-ukers sprinter med demo for kunden.",
]

ASSUMPTIONS = [
    "Kunden stiller med en produkteier som kan ta beslutninger fortløpende.",
    "Testmiljø med realistiske testdata er tilgjengelig fra oppstart.",
    "Eksisterende API-er er dokumentert og stabile.",
    "Arbeidet gjøres i hovedsak fra våre kontorer, med workshops hos kunden.",
    "Tilganger og utstyr er på plass første uke.",
    "Kunden gjennomfører akseptansetest innen to uker etter levering.",
    "Leverandørene av tilgrensende systemer bidrar etter avtale og uten kostnad for oss.",
    "Kundens fagpersoner er tilgjengelige minst en dag i uken.",
    "Prisene forutsetter oppstart innen tre måneder etter signert avtale.",
    "Kunden har lisensene som trengs for utviklings- og testmiljøene.",
]

EXCLUSIONS = [
    "Lisenser og driftskostnader i skyen er ikke med.",
    "Migrering av historiske data eldre enn fem år er ikke med.",
    "Opplæring av sluttbrukere utover to kurs er ikke med.",
    "Reisekostnader faktureres etter regning.",
    "Endringer i tredjepartssystemer er ikke med.",
    "Forvaltning og drift etter produksjonssetting er ikke med.",
    "Universell utforming av eksisterende innhold er ikke med.",
    "Innkjøp av maskinvare er ikke med.",
]

# (risk, mitigation)
RISKS = [
    (
        "Uklare krav til integrasjonene kan gi omarbeid.",
        "Avklaringsworkshop med systemeierne i første sprint.",
    ),
    ("Nøkkelpersoner hos kunden har lite tid til prosjektet.", "Avtal faste arbeidsdager i prosjektplanen."),
    ("Datakvaliteten i kildesystemene er ukjent.", "Analyse av et datautvalg før migreringen planlegges."),
    ("Avhengighet til leverandøren av fagsystemet.", "Avtal leveransedatoer skriftlig med leverandøren."),
    ("Sikkerhetsgodkjenningen kan ta lengre tid enn planlagt.", "Start dialogen med sikkerhetsleder tidlig."),
    ("Lang leveringstid på utstyr.", "Bestill utstyret ved kontraktsignering."),
    ("Kunden ønsker flere funksjoner underveis.", "Endringer håndteres med endringsmelding."),
    ("Testmiljøet blir ikke klart i tide.", "Vi setter opp et midlertidig testmiljø."),
]

REVIEW_MESSAGES = [
    "Se særlig på timene til integrasjonene – kunden har mange eldre systemer.",
    "Er testinnsatsen realistisk for dette omfanget?",
    "Vurder om driftsmodellen er priset riktig.",
    "Kunden har kort frist; er bemanningsplanen gjennomførbar?",
    "Vi har ikke levert dette til kunden før. Mangler vi noe i forutsetningene?",
    "Sjekk risikolisten og om påslaget er stort nok.",
]

VERDICT_COMMENTS = {
    "approved": [
        "Estimatet er realistisk, og forutsetningene er godt beskrevet.",
        "Godt estimat. Timene stemmer med det vi brukte hos en lignende kunde.",
        "Ser bra ut. Risikolisten dekker det viktigste.",
    ],
    "approved_with_changes": [
        "Realistisk med justeringene jeg har foreslått på integrasjon og test.",
        "Godkjent når timene på de markerte arbeidspakkene økes som foreslått.",
        "Greit estimat, men testinnsatsen er for lav. Se forslagene mine.",
    ],
    "not_realistic": [
        "For optimistisk: integrasjonene er undervurdert med minst 40 %. Bør estimeres på nytt med kunden.",
        "Omfanget er ikke godt nok avklart til å gi fastpris. Foreslår en forstudie først.",
        "Bemanningen holder ikke for fristen kunden har satt.",
    ],
}

REVIEW_COMMENTS = [
    "Mangler en forutsetning om testdata.",
    "Risikoen for forsinkede tilganger bør stå i risikolisten.",
    "Prosjektledelse på rundt 10 % virker lavt for så mange parter.",
    "Bra at universell utforming er med som egen arbeidspakke.",
    "Avklar hvem som eier integrasjonen mot fagsystemet.",
]

PACKAGE_COMMENTS = [
    "Undervurdert. Erfaringen fra lignende leveranser tilsier mer.",
    "Tredjeparten bruker ofte lang tid på å svare; legg inn mer tid.",
    "Pessimistisk anslag er for lavt når grensesnittet ikke er dokumentert.",
    "Her trengs det mer tid til test med reelle data.",
]

# Expectation kind → what the customer said, in their words.
EXPECTATIONS: dict[str, list[str]] = {
    "scope": [
        "Vi forventer at løsningen dekker alle søknadstypene, ikke bare de tre største.",
        "Alle rapportene vi har i dag må finnes i den nye løsningen.",
        "Løsningen må fungere for både innbyggere og næringsliv.",
        "Det må være mulig å hente ut alle data hvis vi bytter leverandør.",
    ],
    "deadline": [
        "Løsningen må være i drift før sommerferien.",
        "Vi må ha første versjon klar til kommunestyremøtet i juni.",
        "Den gamle avtalen går ut ved nyttår, så vi kan ikke bli forsinket.",
        "Vi vil se noe som virker etter de første fire ukene.",
    ],
    "quality": [
        "Innbyggerne skal kunne bruke tjenesten på mobil uten problemer.",
        "Vi forventer oppetid på minst 99,5 % i åpningstiden.",
        "Løsningen skal oppfylle kravene til universell utforming fullt ut.",
        "Svartiden må være under to sekunder også på mandager.",
    ],
    "staffing": [
        "Vi vil ha de samme konsulentene gjennom hele prosjektet.",
        "Prosjektlederen må være hos oss minst to dager i uken.",
        "Vi forventer at arkitekten fra tilbudspresentasjonen er med.",
    ],
    "commercial": [
        "Fastpris, og endringer avtales skriftlig før de gjøres.",
        "Vi forventer at timeprisene fra rammeavtalen gjelder.",
        "Fakturering månedlig etterskuddsvis, med timelister.",
        "Vi betaler ikke for reisetid.",
    ],
    "assumption": [
        "Vi regner med at dere tar ansvaret for integrasjonen mot Altinn.",
        "Vi stiller med testpersoner fra saksbehandlingen.",
        "Vi regner med at dere kjenner anskaffelsesregelverket.",
    ],
    "exclusion": [
        "Driften etter produksjonssetting tar vi selv.",
        "Lisensene kjøper vi via vår egen avtale.",
        "Opplæringen av de ansatte tar vi internt.",
    ],
}

ACCEPTANCE_CRITERIA = [
    "Akseptansetest med 20 reelle saker uten feil av kategori A eller B.",
    "Målt oppetid i de tre første månedene etter produksjonssetting.",
    "Godkjent av kundens produkteier i sprintdemo.",
    "Ekstern test av universell utforming uten avvik.",
    "Signert overtakelsesprotokoll.",
]

# Source → how the source is usually noted; "{date}" is the day, "{who}" the contact and their title.
SOURCE_NOTES: dict[str, list[str]] = {
    "meeting": ["Møte {date} med {who}", "Workshop {date}", "Oppstartsmøte {date}"],
    "tender": ["Konkurransegrunnlaget, kap. 3.2", "Kravspesifikasjonen, krav 14", "Bilag 1, punkt 2.4"],
    "email": ["E-post {date} fra {who}", "E-post med referat {date}"],
    "phone": ["Telefon {date} med {who}", "Telefon {date}"],
}

LOST_NOTES: dict[str, list[str]] = {
    "price": [
        "Konkurrenten var 18 % billigere på timepris.",
        "Kunden valgte laveste pris; vi var nummer to.",
    ],
    "scope": [
        "Kunden reduserte omfanget og gjør resten selv.",
        "Vi tilbød mer enn kunden var villig til å betale for.",
    ],
    "timing": [
        "Prosjektet er utsatt til neste budsjettår.",
        "Vi kunne ikke starte så raskt som kunden ønsket.",
    ],
    "competitor": [
        "Tapte mot leverandøren som leverte forprosjektet.",
        "Kunden valgte en leverandør med mer erfaring fra bransjen.",
    ],
    "no_decision": [
        "Kunden har ikke bestemt seg, og anskaffelsen er avlyst.",
        "Budsjettet ble ikke vedtatt.",
    ],
    "other": [
        "Kunden omorganiserte og trakk forespørselen.",
        "Vi trakk oss fordi vi ikke kunne bemanne leveransen.",
    ],
}

OVERRIDE_REASONS = [
    "Tilbudsfristen var i dag; fagvurderingen tas i forhandlingsfasen.",
    "Fastpris er avtalt i rammeavtalen, så estimatet påvirker ikke prisen.",
]

ESTIMATE_TITLES = ["Første estimat", "Etter fagvurdering", "Revidert etter forhandling"]

TAGS = ["anbud", "strategisk", "ny kunde", "sky", "gjenkjøp", "referansekunde", "fase 2", "minikonkurranse"]

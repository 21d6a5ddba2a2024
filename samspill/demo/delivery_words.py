"""Norwegian words for the delivery demo data: milestones, status reports, deviations, change requests,
handover questions, retrospectives and lessons."""

from __future__ import annotations

# Milestones per project type, in the order they come; the last one ends the project.
MILESTONES: dict[str, list[str]] = {
    "development": [
        "Oppstartsmøte med kunden",
        "Løsningsdesign godkjent",
        "Første leveranse til test",
        "Akseptansetest gjennomført",
        "Produksjonssetting",
    ],
    "integration": [
        "Oppstartsmøte med kunden",
        "Grensesnitt avklart med tredjepart",
        "Integrasjonene klare for test",
        "Ende-til-ende-test godkjent",
        "Produksjonssetting",
    ],
    "advisory": [
        "Oppstartsmøte med kunden",
        "Intervjuer og workshops gjennomført",
        "Utkast til rapport levert",
        "Sluttrapport levert",
    ],
    "infrastructure": [
        "Oppstartsmøte med kunden",
        "Målarkitektur godkjent",
        "Plattformen etablert",
        "Migrering gjennomført",
        "Overlevert til drift",
    ],
    "data": [
        "Oppstartsmøte med kunden",
        "Datakildene tilgjengelige",
        "Første rapport i produksjon",
        "Dataplattformen overlevert",
    ],
    "design": [
        "Oppstartsmøte med kunden",
        "Innsiktsarbeid ferdig",
        "Prototype testet med brukere",
        "Designsystem overlevert",
    ],
    "engineering": [
        "Oppstartsmøte med kunden",
        "Forprosjekt godkjent",
        "Detaljprosjektering ferdig",
        "FAT gjennomført",
        "Idriftsettelse",
    ],
}

STATUS_COMMENTS: dict[str, list[str]] = {
    "green": [
        "God fremdrift. Leveransene i perioden er godkjent av kunden.",
        "Alt går etter planen. Neste milepæl ser ut til å holde.",
        "Teamet er fullt bemannet og timeforbruket følger budsjettet.",
        "Sprintdemo gjennomført med gode tilbakemeldinger fra produkteier.",
        "Ingen nye risikoer denne uken. Testmiljøet er stabilt.",
        "Kunden er fornøyd med fremdriften; vi holder oss innenfor rammen.",
    ],
    "amber": [
        "Noe forsinket på integrasjonene; vi tar det igjen i neste sprint.",
        "Timeforbruket ligger litt over plan. Vi vurderer en endringsmelding.",
        "Kunden har ikke levert testdata ennå. Det kan flytte neste milepæl.",
        "En nøkkelressurs er syk denne uken, og to oppgaver er skjøvet.",
        "Uklarheter i kravene til rapportene; avklaringsmøte er booket.",
        "Prognosen har økt etter ny gjennomgang av gjenstående arbeid.",
    ],
    "red": [
        "Prognosen ligger klart over baseline. Tiltak er diskutert med kunden.",
        "Milepælen er ikke nådd, og ny dato er ikke avklart med kunden.",
        "Tredjepartsleverandøren er forsinket; vi står på vent.",
        "Omfanget har vokst uten endringsmelding. Må tas opp i styringsgruppen.",
        "Kritiske feil i akseptansetesten; produksjonssettingen er utsatt.",
    ],
}

# What a project manager writes when raising a deviation by hand: what, consequence, action.
MANUAL_DEVIATIONS: list[tuple[str, str, str]] = [
    (
        "Kunden har ikke levert testdata som avtalt.",
        "Testingen starter to uker senere enn planlagt.",
        "Purret i styringsgruppen; vi lager syntetiske testdata i mellomtiden.",
    ),
    (
        "Tredjepartsleverandøren av fagsystemet svarer ikke på henvendelser om API-et.",
        "Integrasjonen kan ikke ferdigstilles før svar foreligger.",
        "Eskalert til kundens prosjekteier; ukentlig oppfølging.",
    ),
    (
        "Kunden ønsker flere rapporter enn det som er beskrevet i tilbudet.",
        "Arbeid utenfor omfanget; ikke dekket av fastprisen.",
        "Vi utarbeider en endringsmelding med timer og pris.",
    ),
    (
        "Nøkkelperson hos oss er langtidssykmeldt.",
        "Redusert kapasitet i tre til fire uker.",
        "Leveranseleder finner erstatter med samme kompetanse.",
    ),
    (
        "Sikkerhetsgodkjenningen hos kunden tar lengre tid enn forutsatt.",
        "Vi får ikke tilgang til produksjonsmiljøet før godkjenningen er klar.",
        "Daglig oppfølging med kundens sikkerhetsansvarlige.",
    ),
    (
        "Kundens produkteier er byttet ut midt i prosjektet.",
        "Tidligere beslutninger blir tatt opp på nytt.",
        "Ny gjennomgang av omfang og prioriteringer med ny produkteier.",
    ),
]

DEVIATION_RESOLUTIONS = [
    "Løst i samarbeid med kunden; ingen varig konsekvens for tidsplanen.",
    "Endringsmelding godkjent av kunden.",
    "Erstatter på plass; fremdriften er tatt igjen.",
    "Avklart i styringsgruppen.",
]

# Change requests: title, description, effect on milestones.
CHANGE_REQUESTS: list[tuple[str, str, str]] = [
    (
        "Flere rapporter i løsningen",
        "Kunden ønsker fire nye rapporter for ledelsen utover de som er beskrevet i tilbudet.",
        "Ingen endring i milepælene.",
    ),
    (
        "Integrasjon mot nytt økonomisystem",
        "Kunden bytter økonomisystem i prosjektperioden, og integrasjonen må lages på nytt.",
        "Produksjonssettingen flyttes tre uker.",
    ),
    (
        "Utvidet opplæring av superbrukere",
        "Kunden ønsker to ekstra kurs og opplæringsvideoer for superbrukerne.",
        "Ingen endring i milepælene.",
    ),
    (
        "Migrering av eldre historikk",
        "Data eldre enn fem år skal også flyttes til den nye løsningen.",
        "Migreringen tar to uker lenger.",
    ),
    (
        "Støtte for nynorsk og engelsk",
        "Alle skjermbilder og e-poster skal finnes på nynorsk og engelsk.",
        "Akseptansetesten flyttes én uke.",
    ),
    (
        "Ekstra sikkerhetstesting",
        "Kunden krever penetrasjonstest av en uavhengig tredjepart før produksjonssetting.",
        "Produksjonssettingen flyttes to uker.",
    ),
]

CHANGE_DECISIONS = {
    "accepted": ["Godkjent av kundens prosjekteier.", "Godkjent i styringsgruppemøtet.", ""],
    "rejected": ["Kunden prioriterer det i en senere fase.", "Ikke budsjett hos kunden i år.", ""],
}

HANDOVER_NOTES = [
    "Kunden er opptatt av at brukerne involveres tidlig. Produkteieren er ny i rollen.",
    "Økonomisjefen var skeptisk til prisen; vær tydelig på hva som er utenfor omfanget.",
    "Vi har levert til kunden før, og de var fornøyde med oppfølgingen.",
    "Kunden har dårlig erfaring med forrige leverandør og vil ha ukentlig status.",
    "",
]

HANDOVER_QUESTIONS_OPEN = [
    "Hvem hos kunden kan ta beslutninger om omfang underveis?",
    "Er testmiljøet bestilt, eller må vi gjøre det selv?",
    "Hva mente kunden med «enkel innlogging» — ID-porten eller Entra ID?",
    "Er det avtalt noe om drift etter produksjonssetting?",
]

HANDOVER_QA: list[tuple[str, str]] = [
    (
        "Hvem er kundens produkteier, og hvor mye tid har hun til prosjektet?",
        "Produkteier er avdelingslederen for digitalisering; hun har satt av to dager i uken.",
    ),
    (
        "Er rapportene i kravspesifikasjonen en del av fastprisen?",
        "Ja, de seks rapportene i vedlegg 2 er med. Nye rapporter tas som endringsmelding.",
    ),
    (
        "Hvilket testmiljø har kunden lovet oss?",
        "Kunden setter opp et testmiljø med anonymiserte data innen to uker etter oppstart.",
    ),
    (
        "Har kunden godkjent databehandleravtalen?",
        "Den er signert; den ligger i arbeidsrommet sammen med kontrakten.",
    ),
]

RETRO_WENT_WELL = [
    "Godt samarbeid med kundens produkteier, som tok raske beslutninger.",
    "Teamet var stabilt gjennom hele prosjektet.",
    "Ukentlige demoer ga kunden trygghet og tidlige tilbakemeldinger.",
    "Overleveringen fra salg var grundig; vi kjente forventningene fra dag én.",
    "Automatisert testing fanget feil tidlig.",
]

RETRO_WENT_BADLY = [
    "Integrasjonene tok mye lengre tid enn estimert.",
    "Omfanget vokste uten at vi skrev endringsmeldinger tidlig nok.",
    "Testdata fra kunden kom sent, og testperioden ble presset.",
    "Estimatet undervurderte arbeidet med migrering av data.",
    "For lite tid til opplæring og overlevering til drift.",
    "Kunden hadde andre forventninger til rapportene enn det tilbudet beskrev.",
]

# Lessons per phase: text and tags.
LESSONS: dict[str, list[tuple[str, list[str]]]] = {
    "sales": [
        ("Estimer integrasjoner mot tredjepart med egen risikopost.", ["estimat", "integrasjon"]),
        ("Avklar hvilke rapporter som inngår før tilbudet sendes.", ["omfang", "tilbud"]),
        ("Ta med fagressurs i avklaringsmøtene før vi priser.", ["estimat", "fagvurdering"]),
        ("Skriv ned kundens forventninger med kundens egne ord.", ["forventninger"]),
        ("Prisen for migrering må bygge på faktisk datamengde, ikke antakelser.", ["estimat", "migrering"]),
    ],
    "handover": [
        ("Overleveringsmøtet må holdes før oppstart med kunden, ikke etter.", ["overlevering"]),
        ("Prosjektleder må se forutsetningene i tilbudet før kontrakten signeres.", ["forutsetninger"]),
        ("Avklar kontaktpersoner og beslutningstakere i overleveringen.", ["overlevering", "interessenter"]),
    ],
    "delivery": [
        ("Skriv endringsmelding med en gang omfanget endres.", ["endringsmelding", "omfang"]),
        ("Book kundens testressurser tidlig i prosjektet.", ["test", "ressurser"]),
        ("Ukentlig statusrapport holdt styringsgruppen oppdatert.", ["status", "kommunikasjon"]),
        ("Følg timeforbruket per arbeidspakke ukentlig, ikke bare totalen.", ["oppfølging"]),
        ("Sett av tid til overlevering til drift i planen.", ["drift", "plan"]),
    ],
}

TIME_NOTES = [
    "Workshop med kunden",
    "Statusmøte",
    "Testing",
    "Feilretting etter test",
    "Dokumentasjon",
    "Avklaringer med tredjepart",
    "Gjennomgang av krav",
    "Forberedelse til demo",
]

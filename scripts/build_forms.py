"""Build the XLSForms Baobab ships (returnee intake, reintegration follow-up) with openpyxl.

Run `.venv/bin/python scripts/build_forms.py [--validate]`; output is byte-identical on every run.
"""

from __future__ import annotations

import argparse
import datetime
import io
import sys
import zipfile
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.writer.excel import ExcelWriter

FORMS_DIR = Path(__file__).resolve().parent.parent / "forms"
FIXED_DATE = datetime.datetime(2026, 11, 23, 0, 0, 0)
LANGUAGES = ("English (en)", "French (fr)")
# Custom bind attribute; the settings `namespaces` entry below declares its prefix.
SENSITIVE_COLUMN = "bind::baobab:sensitive"
SENSITIVE_VALUE = "true"
BAOBAB_NAMESPACE = 'baobab="urn:baobab:xforms:1"'

Row = dict[str, Any]
Text = tuple[str, str]  # (English, French)
YES = "yes"


def q(type_: str, name: str = "", label: Text | None = None, **columns: Any) -> Row:
    """One survey row. Translated columns (label, hint, constraint_message) take (en, fr)."""
    row: Row = {"type": type_}
    if name:
        row["name"] = name
    if label is not None:
        row["label"] = label
    row.update(columns)
    return row


def end(kind: str = "group") -> Row:
    return {"type": f"end_{kind}"}


def only(*options: str) -> str:
    """Constraint for a select_multiple: each of `options` must be the only answer if ticked."""
    parts = [f"selected(., '{o}')" for o in options]
    return f"not(({' or '.join(parts)}) and count-selected(.) > 1)"


ONLY_MSG: Text = (
    "'None' and 'Refuses to answer' cannot be combined with other answers.",
    "« Aucun » et « Refuse de répondre » ne peuvent pas être combinés avec d'autres réponses.",
)
XOF_MSG: Text = ("Enter an amount in FCFA (XOF).", "Saisir un montant en FCFA (XOF).")
PAST_DATE_MSG: Text = (
    "The date cannot be in the future.",
    "La date ne peut pas être dans le futur.",
)
VISIT_DATE_MSG: Text = (
    "The date cannot be in the future, nor before the returnee's registration.",
    "La date ne peut être ni dans le futur, ni antérieure à l'enregistrement de la personne.",
)

# ---------------------------------------------------------------------------------------------
# Choice lists shared by both forms: list_name -> rows of (name, English, French[, extra columns]).
# Extra columns: `score` (RSS item score, best outcome = 1; "don't know", "refuses", "not
# applicable" carry no score), `dimension` (assistance), `region` and `cercle` (cascading filters).
# ---------------------------------------------------------------------------------------------
DK = ("dk", "Don't know", "Ne sait pas")
REFUSE = ("refuse", "Refuses to answer", "Refuse de répondre")
NA_SCHOOL = (
    "na",
    "Not applicable (no school-age children in the household)",
    "Sans objet (pas d'enfant en âge scolaire dans le ménage)",
)
OTHER = ("other", "Other", "Autre")
NONE = ("none", "None", "Aucun")

# Administrative units of Mali: the 10 regions and the Bamako district as before the 2023
# reform. CERCLES (region -> cercles) is complete for the older regions; COMMUNES (cercle ->
# communes) is only a sample, so every cercle also offers "other commune" (see forms/README.md).
# Choice names: cercles by their slug, communes as <cercle>_<commune>.
CERCLES: dict[str, list[tuple[str, str]]] = {
    "kayes": [
        ("kayes", "Kayes"),
        ("bafoulabe", "Bafoulabé"),
        ("diema", "Diéma"),
        ("kenieba", "Kéniéba"),
        ("kita", "Kita"),
        ("nioro", "Nioro du Sahel"),
        ("yelimane", "Yélimané"),
    ],
    "koulikoro": [
        ("koulikoro", "Koulikoro"),
        ("banamba", "Banamba"),
        ("dioila", "Dioïla"),
        ("kangaba", "Kangaba"),
        ("kati", "Kati"),
        ("kolokani", "Kolokani"),
        ("nara", "Nara"),
    ],
    "sikasso": [
        ("sikasso", "Sikasso"),
        ("bougouni", "Bougouni"),
        ("kadiolo", "Kadiolo"),
        ("kolondieba", "Kolondiéba"),
        ("koutiala", "Koutiala"),
        ("yanfolila", "Yanfolila"),
        ("yorosso", "Yorosso"),
    ],
    "segou": [
        ("segou", "Ségou"),
        ("baroueli", "Barouéli"),
        ("bla", "Bla"),
        ("macina", "Macina"),
        ("niono", "Niono"),
        ("san", "San"),
        ("tominian", "Tominian"),
    ],
    "mopti": [
        ("mopti", "Mopti"),
        ("bandiagara", "Bandiagara"),
        ("bankass", "Bankass"),
        ("djenne", "Djenné"),
        ("douentza", "Douentza"),
        ("koro", "Koro"),
        ("tenenkou", "Ténenkou"),
        ("youwarou", "Youwarou"),
    ],
    "tombouctou": [
        ("tombouctou", "Tombouctou"),
        ("dire", "Diré"),
        ("goundam", "Goundam"),
        ("gourma_rharous", "Gourma-Rharous"),
        ("niafunke", "Niafunké"),
    ],
    "gao": [("gao", "Gao"), ("ansongo", "Ansongo"), ("bourem", "Bourem")],
    "kidal": [
        ("kidal", "Kidal"),
        ("abeibara", "Abeïbara"),
        ("tessalit", "Tessalit"),
        ("tin_essako", "Tin-Essako"),
    ],
    "menaka": [
        ("menaka", "Ménaka"),
        ("anderamboukane", "Andéramboukane"),
        ("inekar", "Inékar"),
        ("tidermene", "Tidermène"),
    ],
    "taoudenit": [
        ("taoudenit", "Taoudénit"),
        ("araouane", "Araouane"),
        ("boujbeha", "Boujbeha"),
        ("foum_alba", "Foum-Alba"),
        ("achourat", "Achourat"),
        ("al_ourche", "Al-Ourche"),
    ],
    "bamako": [("bamako", "Bamako")],
}
COMMUNES: dict[str, list[tuple[str, str]]] = {
    "kayes": [
        ("kayes", "Kayes"),
        ("khouloum", "Khouloum"),
        ("liberte_dembaya", "Liberté Dembaya"),
        ("segala", "Ségala"),
        ("diamou", "Diamou"),
    ],
    "bafoulabe": [("bafoulabe", "Bafoulabé"), ("mahina", "Mahina")],
    "diema": [("diema", "Diéma"), ("bema", "Béma")],
    "kenieba": [("kenieba", "Kéniéba"), ("falea", "Faléa")],
    "kita": [("kita", "Kita"), ("sebekoro", "Sébékoro"), ("toukoto", "Toukoto")],
    "nioro": [("nioro", "Nioro")],
    "koulikoro": [("koulikoro", "Koulikoro")],
    "banamba": [("banamba", "Banamba")],
    "kolokani": [("kolokani", "Kolokani")],
    "nara": [("nara", "Nara")],
    "kati": [
        ("kati", "Kati"),
        ("kalaban_coro", "Kalaban Coro"),
        ("baguineda", "Baguinéda-Camp"),
        ("mande", "Mandé"),
        ("siby", "Siby"),
    ],
    "sikasso": [("sikasso", "Sikasso")],
    "bougouni": [("bougouni", "Bougouni")],
    "kadiolo": [("kadiolo", "Kadiolo")],
    "kolondieba": [("kolondieba", "Kolondiéba")],
    "koutiala": [("koutiala", "Koutiala")],
    "segou": [("segou", "Ségou"), ("pelengana", "Pelengana")],
    "baroueli": [("baroueli", "Barouéli")],
    "bla": [("bla", "Bla")],
    "macina": [("macina", "Macina")],
    "niono": [("niono", "Niono")],
    "san": [("san", "San")],
    "tominian": [("tominian", "Tominian")],
    "mopti": [("mopti", "Mopti"), ("socoura", "Socoura"), ("sio", "Sio"), ("fatoma", "Fatoma")],
    "bandiagara": [("bandiagara", "Bandiagara")],
    "bankass": [("bankass", "Bankass")],
    "djenne": [("djenne", "Djenné")],
    "douentza": [("douentza", "Douentza")],
    "koro": [("koro", "Koro")],
    "tenenkou": [("tenenkou", "Ténenkou")],
    "youwarou": [("youwarou", "Youwarou")],
    "tombouctou": [("tombouctou", "Tombouctou"), ("alafia", "Alafia"), ("ber", "Ber")],
    "dire": [("dire", "Diré")],
    "goundam": [("goundam", "Goundam")],
    "gao": [
        ("gao", "Gao"),
        ("sony_aliber", "Sony Aliber"),
        ("gounzoureye", "Gounzoureye"),
        ("anchawadi", "Anchawadi"),
    ],
    "ansongo": [("ansongo", "Ansongo")],
    "bourem": [("bourem", "Bourem")],
    "kidal": [("kidal", "Kidal")],
    "tessalit": [("tessalit", "Tessalit")],
    "menaka": [("menaka", "Ménaka")],
    "anderamboukane": [("anderamboukane", "Andéramboukane")],
    "bamako": [
        ("commune_1", "Commune I"),
        ("commune_2", "Commune II"),
        ("commune_3", "Commune III"),
        ("commune_4", "Commune IV"),
        ("commune_5", "Commune V"),
        ("commune_6", "Commune VI"),
    ],
}

CHOICES: dict[str, list[tuple[Any, ...]]] = {
    "yes_no": [("yes", "Yes", "Oui"), ("no", "No", "Non")],
    "yes_no_dk": [("yes", "Yes", "Oui"), ("no", "No", "Non"), DK],
    "yes_no_refuse": [("yes", "Yes", "Oui"), ("no", "No", "Non"), REFUSE],
    "sex": [("male", "Male", "Masculin"), ("female", "Female", "Féminin")],
    "interview_setting": [
        (
            "pre_departure",
            "Before departure, in the host or transit country",
            "Avant le départ, dans le pays d'accueil ou de transit",
        ),
        ("on_arrival", "On arrival in Mali", "À l'arrivée au Mali"),
        (
            "after_arrival",
            "After arrival, in the community of return",
            "Après l'arrivée, dans la communauté de retour",
        ),
    ],
    "language": [
        ("bambara", "Bambara (Bamanankan)", "Bambara (bamanankan)"),
        ("french", "French", "Français"),
        ("fulfulde", "Fulfulde (Peul)", "Peul (fulfulde)"),
        ("soninke", "Soninke", "Soninké"),
        ("songhai", "Songhai", "Songhaï"),
        ("tamasheq", "Tamasheq", "Tamasheq"),
        ("dogon", "Dogon", "Dogon"),
        ("malinke", "Malinke (Maninka)", "Malinké (maninka)"),
        ("khassonke", "Khassonke", "Khassonké"),
        ("senufo", "Senufo / Minyanka", "Sénoufo / minianka"),
        ("bozo", "Bozo", "Bozo"),
        ("bobo", "Bobo", "Bobo"),
        ("arabic", "Arabic (incl. Hassaniya)", "Arabe (y compris hassanya)"),
        ("english", "English", "Anglais"),
        OTHER,
    ],
    "country": [
        ("MLI", "Mali", "Mali"),
        ("DZA", "Algeria", "Algérie"),
        ("LBY", "Libya", "Libye"),
        ("NER", "Niger", "Niger"),
        ("MAR", "Morocco", "Maroc"),
        ("TUN", "Tunisia", "Tunisie"),
        ("MRT", "Mauritania", "Mauritanie"),
        ("SEN", "Senegal", "Sénégal"),
        ("GIN", "Guinea", "Guinée"),
        ("CIV", "Côte d'Ivoire", "Côte d'Ivoire"),
        ("BFA", "Burkina Faso", "Burkina Faso"),
        ("GMB", "Gambia", "Gambie"),
        ("GHA", "Ghana", "Ghana"),
        ("NGA", "Nigeria", "Nigeria"),
        ("CMR", "Cameroon", "Cameroun"),
        ("TCD", "Chad", "Tchad"),
        ("GAB", "Gabon", "Gabon"),
        ("EGY", "Egypt", "Égypte"),
        ("SAU", "Saudi Arabia", "Arabie saoudite"),
        ("TUR", "Türkiye", "Turquie"),
        ("ESP", "Spain", "Espagne"),
        ("ITA", "Italy", "Italie"),
        ("FRA", "France", "France"),
        ("DEU", "Germany", "Allemagne"),
        ("BEL", "Belgium", "Belgique"),
        ("PRT", "Portugal", "Portugal"),
        ("MLT", "Malta", "Malte"),
        ("GRC", "Greece", "Grèce"),
        OTHER,
    ],
    "id_doc": [
        ("passport", "Passport", "Passeport"),
        ("national_id", "National identity card", "Carte nationale d'identité"),
        ("nina", "NINA card or slip", "Carte ou fiche NINA"),
        ("consular_card", "Consular card", "Carte consulaire"),
        ("birth_certificate", "Birth certificate", "Acte de naissance"),
        OTHER,
        ("none", "No document", "Aucun document"),
    ],
    "phone_owner": [
        ("own", "The person's own phone", "Téléphone de la personne"),
        ("relative", "A relative's phone", "Téléphone d'un parent"),
        ("other", "Someone else's phone", "Téléphone d'une autre personne"),
    ],
    "guardian_type": [
        ("parent", "Father or mother", "Père ou mère"),
        ("relative", "Other adult relative", "Autre adulte de la famille"),
        ("appointed", "Appointed legal guardian", "Tuteur légal désigné"),
        OTHER,
    ],
    "marital": [
        ("single", "Single", "Célibataire"),
        ("married_mono", "Married (monogamous)", "Marié(e) (monogame)"),
        ("married_poly", "Married (polygamous)", "Marié(e) (polygame)"),
        ("divorced", "Divorced or separated", "Divorcé(e) ou séparé(e)"),
        ("widowed", "Widowed", "Veuf ou veuve"),
    ],
    "relationship": [
        ("spouse", "Spouse", "Conjoint(e)"),
        ("child", "Son or daughter", "Fils ou fille"),
        ("parent", "Father or mother", "Père ou mère"),
        ("sibling", "Brother or sister", "Frère ou sœur"),
        ("other_relative", "Other relative", "Autre parent"),
        ("non_relative", "Not related", "Sans lien de parenté"),
    ],
    "fitness": [
        ("fit", "Fit to travel", "Apte au voyage"),
        ("fit_escort", "Fit to travel with a medical escort", "Apte avec escorte médicale"),
        ("unfit", "Not fit to travel", "Inapte au voyage"),
        ("not_assessed", "Not yet assessed", "Pas encore évalué(e)"),
        (
            "na",
            "Not applicable (interview after arrival)",
            "Sans objet (entretien après l'arrivée)",
        ),
    ],
    # Washington Group Short Set response categories.
    "wg": [
        ("no_difficulty", "No - no difficulty", "Non - aucune difficulté"),
        ("some", "Yes - some difficulty", "Oui - quelques difficultés"),
        ("a_lot", "Yes - a lot of difficulty", "Oui - beaucoup de difficultés"),
        ("cannot", "Cannot do at all", "Ne peut pas du tout"),
        REFUSE,
    ],
    "uasc": [
        (
            "with_caregiver",
            "With a parent or their usual caregiver",
            "Avec un parent ou la personne qui s'occupe habituellement de l'enfant",
        ),
        (
            "separated",
            "Separated: with another adult relative",
            "Séparé(e) : avec un autre adulte de la famille",
        ),
        ("unaccompanied", "Unaccompanied", "Non accompagné(e)"),
    ],
    "trafficking": [
        (
            "unpaid_work",
            "Made to work without pay, or for much less than promised",
            "Obligé(e) de travailler sans salaire, ou pour bien moins que promis",
        ),
        (
            "deceived",
            "Deceived about the job, the pay or the conditions",
            "Trompé(e) sur le travail, le salaire ou les conditions",
        ),
        (
            "not_free",
            "Not free to leave or to move around",
            "Pas libre de partir ou de se déplacer",
        ),
        (
            "documents_taken",
            "Identity documents kept by someone else",
            "Papiers d'identité confisqués par quelqu'un",
        ),
        (
            "debt_bondage",
            "Forced to work to pay off a debt",
            "Obligé(e) de travailler pour rembourser une dette",
        ),
        (
            "threats",
            "Threats or violence against them or their family",
            "Menaces ou violences contre la personne ou sa famille",
        ),
        (
            "sexual_exploitation",
            "Forced into prostitution or sexual exploitation",
            "Forcé(e) à la prostitution ou exploité(e) sexuellement",
        ),
        (
            "forced_begging_crime",
            "Forced to beg or to commit crimes",
            "Forcé(e) à mendier ou à commettre des délits",
        ),
        ("forced_marriage", "Forced marriage", "Mariage forcé"),
        NONE,
        REFUSE,
    ],
    "gbv": [
        (
            "disclosed",
            "The person spontaneously disclosed gender-based violence",
            "La personne a spontanément fait état de violences basées sur le genre",
        ),
        (
            "suspected",
            "Signs suggest a risk or experience of gender-based violence",
            "Des signes laissent penser à un risque ou à des violences basées sur le genre",
        ),
        ("no", "Nothing disclosed or observed", "Rien de signalé ni d'observé"),
    ],
    "distress_obs": [
        ("crying", "Crying or very sad", "Pleure ou très triste"),
        ("agitated", "Very agitated or anxious", "Très agité(e) ou anxieux(se)"),
        ("withdrawn", "Withdrawn, does not respond", "Renfermé(e), ne réagit pas"),
        ("disoriented", "Confused or disoriented", "Confus(e) ou désorienté(e)"),
        ("aggressive", "Aggressive or hostile", "Agressif(ve) ou hostile"),
        (
            "self_harm",
            "Talks about harming themselves or ending their life",
            "Parle de se faire du mal ou de mettre fin à ses jours",
        ),
        ("none", "No sign observed", "Aucun signe observé"),
    ],
    "host_location": [
        ("private_housing", "Private housing", "Logement privé"),
        (
            "reception_centre",
            "Asylum or reception centre",
            "Centre d'accueil ou pour demandeurs d'asile",
        ),
        (
            "transit_centre",
            "Transit centre (IOM or partner)",
            "Centre de transit (OIM ou partenaire)",
        ),
        ("detention", "Detention centre or prison", "Centre de détention ou prison"),
        (
            "informal",
            "Informal settlement or shared house (ghetto)",
            "Campement informel ou maison partagée (« ghetto »)",
        ),
        ("homeless", "No shelter, living on the street", "Sans abri, à la rue"),
        OTHER,
    ],
    "immigration_status": [
        (
            "regular",
            "Regular (valid residence permit or visa)",
            "Régulier (titre de séjour ou visa valide)",
        ),
        ("irregular", "Irregular", "Irrégulier"),
        ("asylum_pending", "Asylum application pending", "Demande d'asile en cours"),
        ("asylum_rejected", "Asylum application rejected", "Demande d'asile rejetée"),
        ("stranded", "Stranded in transit", "Bloqué(e) en transit"),
        DK,
    ],
    "reason_leaving": [
        ("work", "To find work or a better income", "Trouver du travail ou un meilleur revenu"),
        ("family_support", "To support the family back home", "Soutenir la famille restée au pays"),
        ("join_family", "To join family abroad", "Rejoindre de la famille à l'étranger"),
        ("education", "Studies", "Études"),
        ("insecurity", "Conflict or insecurity", "Conflit ou insécurité"),
        (
            "environment",
            "Drought, poor harvests or other environmental causes",
            "Sécheresse, mauvaises récoltes ou autres causes environnementales",
        ),
        ("persecution", "Persecution or threats", "Persécution ou menaces"),
        (
            "family_problems",
            "Family problems or forced marriage",
            "Problèmes familiaux ou mariage forcé",
        ),
        ("adventure", "Adventure, to see the world", "L'aventure, découvrir le monde"),
        OTHER,
    ],
    "abuse": [
        ("physical", "Physical violence", "Violences physiques"),
        ("sexual", "Sexual violence", "Violences sexuelles"),
        ("extortion", "Robbery or extortion", "Vol ou racket"),
        ("kidnapping", "Kidnapped or held for ransom", "Enlèvement ou séquestration contre rançon"),
        ("forced_labour", "Forced labour", "Travail forcé"),
        ("abandoned", "Abandoned in the desert", "Abandonné(e) dans le désert"),
        (
            "witnessed_death",
            "Witnessed the death of other migrants",
            "Témoin de la mort d'autres migrants",
        ),
        NONE,
        REFUSE,
    ],
    "financing": [
        ("savings", "Own savings", "Économies personnelles"),
        ("family", "Money from the family", "Argent de la famille"),
        (
            "sold_assets",
            "Sold land, livestock or other assets",
            "Vente de terres, de bétail ou d'autres biens",
        ),
        ("loan_relatives", "Loan from relatives or friends", "Prêt de parents ou d'amis"),
        ("loan_lender", "Loan from a moneylender", "Prêt d'un usurier"),
        ("work_en_route", "Worked along the way", "Travail en cours de route"),
        ("smuggler_debt", "Debt to the smuggler", "Dette envers le passeur"),
        OTHER,
    ],
    "return_mode": [
        (
            "vhr_charter",
            "Charter flight (voluntary humanitarian return)",
            "Vol affrété (retour humanitaire volontaire)",
        ),
        ("commercial_flight", "Commercial flight", "Vol commercial"),
        ("road", "Bus or road convoy", "Bus ou convoi routier"),
        OTHER,
    ],
    "reception": [
        (
            "meet_greet",
            "Met on arrival (airport or border)",
            "Accueil à l'arrivée (aéroport ou frontière)",
        ),
        ("pocket_money", "Cash allowance on arrival", "Argent de poche à l'arrivée"),
        ("shelter", "Temporary accommodation", "Hébergement temporaire"),
        (
            "onward_transport",
            "Transport to the final destination",
            "Transport vers la destination finale",
        ),
        ("medical", "Medical care on arrival", "Soins médicaux à l'arrivée"),
        ("kit", "Hygiene or clothing kit", "Kit d'hygiène ou vestimentaire"),
        NONE,
    ],
    "education": [
        ("none", "No formal schooling", "Aucune scolarisation"),
        ("koranic", "Koranic school only", "École coranique uniquement"),
        ("literacy", "Adult literacy class", "Alphabétisation"),
        ("medersa", "Medersa (Franco-Arabic school)", "Médersa"),
        (
            "primary",
            "Basic education, 1st cycle (grades 1-6)",
            "Fondamental 1er cycle (1re-6e année)",
        ),
        (
            "lower_secondary",
            "Basic education, 2nd cycle (grades 7-9, DEF)",
            "Fondamental 2nd cycle (7e-9e année, DEF)",
        ),
        ("upper_secondary", "General secondary (lycée, BAC)", "Secondaire général (lycée, BAC)"),
        ("vocational", "Technical or vocational (CAP, BT)", "Technique et professionnel (CAP, BT)"),
        ("higher", "University or higher", "Supérieur (université, grandes écoles)"),
    ],
    "sector": [
        ("agriculture", "Farming", "Agriculture"),
        ("livestock", "Livestock", "Élevage"),
        ("fishing", "Fishing", "Pêche"),
        ("trade", "Trade", "Commerce"),
        ("construction", "Construction", "Bâtiment et travaux publics"),
        ("gold_mining", "Artisanal gold mining", "Orpaillage"),
        ("transport", "Transport", "Transport"),
        ("crafts", "Crafts or manufacturing", "Artisanat ou industrie"),
        ("domestic", "Domestic work", "Travail domestique"),
        ("hospitality", "Restaurants or hotels", "Restauration ou hôtellerie"),
        ("security", "Security guard", "Gardiennage"),
        OTHER,
        ("none", "Has never worked", "N'a jamais travaillé"),
    ],
    "skill": [
        ("farming", "Farming", "Agriculture"),
        ("animal_husbandry", "Animal husbandry", "Élevage"),
        ("masonry", "Masonry", "Maçonnerie"),
        ("carpentry", "Carpentry or joinery", "Menuiserie"),
        ("plumbing", "Plumbing", "Plomberie"),
        ("electrical", "Electrical work", "Électricité"),
        ("welding", "Welding or metalwork", "Soudure ou métallerie"),
        ("mechanics", "Mechanics (cars, motorbikes)", "Mécanique (autos, motos)"),
        ("tailoring", "Tailoring", "Couture"),
        ("hairdressing", "Hairdressing", "Coiffure"),
        ("cooking", "Cooking or catering", "Cuisine ou restauration"),
        ("driving", "Driving (licence held)", "Conduite (titulaire du permis)"),
        ("sales", "Sales or trading", "Commerce ou vente"),
        ("computing", "Computing", "Informatique"),
        OTHER,
        NONE,
    ],
    "intended_activity": [
        ("own_business", "Start or restart a business", "Créer ou relancer une activité"),
        ("wage_job", "Find a salaried job", "Trouver un emploi salarié"),
        ("farming", "Farming, livestock or fishing", "Agriculture, élevage ou pêche"),
        (
            "training",
            "Vocational training or apprenticeship",
            "Formation professionnelle ou apprentissage",
        ),
        ("studies", "Go back to school or university", "Reprendre les études"),
        ("undecided", "Undecided", "Indécis(e)"),
    ],
    "assistance": [
        (
            "business",
            "Business start-up or support (income-generating activity)",
            "Création ou appui à une activité génératrice de revenus (AGR)",
            {"dimension": "economic"},
        ),
        ("tvet", "Vocational training", "Formation professionnelle", {"dimension": "economic"}),
        (
            "job_placement",
            "Job placement or apprenticeship",
            "Placement en emploi ou apprentissage",
            {"dimension": "economic"},
        ),
        (
            "agri_inputs",
            "Farming inputs or livestock",
            "Intrants agricoles ou bétail",
            {"dimension": "economic"},
        ),
        ("cash", "Cash assistance", "Assistance en espèces", {"dimension": "economic"}),
        (
            "in_kind",
            "In-kind assistance (equipment, goods)",
            "Assistance en nature (équipement, marchandises)",
            {"dimension": "economic"},
        ),
        ("housing", "Housing", "Logement", {"dimension": "social"}),
        ("medical", "Medical care", "Soins médicaux", {"dimension": "social"}),
        ("schooling", "Children's schooling", "Scolarisation des enfants", {"dimension": "social"}),
        (
            "documents",
            "Civil documentation (ID, birth certificate)",
            "Documents d'état civil (pièce d'identité, acte de naissance)",
            {"dimension": "social"},
        ),
        ("legal", "Legal aid", "Assistance juridique", {"dimension": "social"}),
        ("food", "Food assistance", "Assistance alimentaire", {"dimension": "social"}),
        (
            "counselling",
            "Psychosocial counselling",
            "Accompagnement psychosocial (counselling)",
            {"dimension": "psychosocial"},
        ),
        (
            "family_mediation",
            "Family mediation",
            "Médiation familiale",
            {"dimension": "psychosocial"},
        ),
        (
            "community_activities",
            "Community or peer-support activities",
            "Activités communautaires ou groupes de parole",
            {"dimension": "psychosocial"},
        ),
        (
            "mental_health",
            "Specialised mental health care",
            "Soins de santé mentale spécialisés",
            {"dimension": "psychosocial"},
        ),
        ("none", "None", "Aucune"),
    ],
    # Referral partners: edit to match the programme's referral pathway.
    "partner": [
        ("iom", "IOM", "OIM"),
        (
            "dgme",
            "DGME (General Delegation of Malians Abroad)",
            "DGME (Délégation générale des Maliens de l'extérieur)",
        ),
        ("anpe", "ANPE (National Employment Agency)", "ANPE (Agence nationale pour l'emploi)"),
        (
            "apej",
            "APEJ (Youth Employment Promotion Agency)",
            "APEJ (Agence pour la promotion de l'emploi des jeunes)",
        ),
        (
            "fafpa",
            "FAFPA (vocational training fund)",
            "FAFPA (Fonds d'appui à la formation professionnelle et à l'apprentissage)",
        ),
        (
            "health_centre",
            "Community health centre (CSCom) or hospital",
            "Centre de santé communautaire (CSCom) ou hôpital",
        ),
        (
            "social_services",
            "Local social development service",
            "Service local du développement social et de l'économie solidaire",
        ),
        ("ngo", "NGO or association", "ONG ou association"),
        OTHER,
    ],
    # Regions of Mali; cercles and communes come from CERCLES and COMMUNES above.
    "region": [
        ("kayes", "Kayes", "Kayes"),
        ("koulikoro", "Koulikoro", "Koulikoro"),
        ("sikasso", "Sikasso", "Sikasso"),
        ("segou", "Ségou", "Ségou"),
        ("mopti", "Mopti", "Mopti"),
        ("tombouctou", "Tombouctou (Timbuktu)", "Tombouctou"),
        ("gao", "Gao", "Gao"),
        ("kidal", "Kidal", "Kidal"),
        ("menaka", "Ménaka", "Ménaka"),
        ("taoudenit", "Taoudénit", "Taoudénit"),
        ("bamako", "Bamako (district)", "District de Bamako"),
    ],
    "cercle": [
        *[
            (code, label, label, {"region": region})
            for region, cercles in CERCLES.items()
            for code, label in cercles
        ],
        ("other", "Other cercle", "Autre cercle"),
    ],
    "commune": [
        *[
            (f"{cercle}_{code}", label, label, {"cercle": cercle})
            for cercle, communes in COMMUNES.items()
            for code, label in communes
        ],
        ("other", "Other commune (write it below)", "Autre commune (à préciser ci-dessous)"),
    ],
    # ---- follow-up only ----------------------------------------------------------------------
    "round": [
        (
            "baseline",
            "Baseline (first weeks after return)",
            "Situation de référence (premières semaines après le retour)",
        ),
        ("month_3", "3 months after return", "3 mois après le retour"),
        ("month_6", "6 months after return", "6 mois après le retour"),
        ("month_12", "12 months after return", "12 mois après le retour"),
        ("month_18", "18 months after return", "18 mois après le retour"),
        ("ad_hoc", "Other (ad hoc visit)", "Autre (visite ponctuelle)"),
    ],
    "visit_mode": [
        ("in_person", "In person", "En personne"),
        ("phone", "By phone", "Par téléphone"),
    ],
    "visit_outcome": [
        ("completed", "Interview carried out", "Entretien réalisé"),
        ("not_found", "Person not found or not reachable", "Personne introuvable ou injoignable"),
        ("refused", "Person declined the interview", "La personne a refusé l'entretien"),
        ("remigrated", "Person has left Mali again", "La personne a de nouveau quitté le Mali"),
        ("deceased", "Person has died", "La personne est décédée"),
        OTHER,
    ],
    "work_type": [
        ("self_employed", "Own business or self-employed", "Propre activité ou à son compte"),
        ("employee", "Salaried employee", "Salarié(e)"),
        ("daily_labour", "Daily or casual labour", "Journalier ou travail occasionnel"),
        (
            "farming",
            "Own farming, livestock or fishing",
            "Agriculture, élevage ou pêche pour son compte",
        ),
        ("apprentice", "Apprentice", "Apprenti(e)"),
        ("family_unpaid", "Unpaid family worker", "Aide familial(e) non rémunéré(e)"),
    ],
    "asset": [
        ("land", "Farmland", "Terres agricoles"),
        ("livestock", "Livestock", "Bétail"),
        ("equipment", "Tools, machines or equipment", "Outils, machines ou équipement"),
        ("business", "Shop, stock or business premises", "Boutique, stock ou local commercial"),
        ("vehicle", "Vehicle or motorbike", "Véhicule ou moto"),
        OTHER,
    ],
    "business_status": [
        ("profitable", "Running and profitable", "En activité et rentable"),
        ("not_yet_profitable", "Running, not yet profitable", "En activité, pas encore rentable"),
        ("paused", "Temporarily stopped", "Arrêtée temporairement"),
        ("closed", "Closed for good", "Fermée définitivement"),
        ("not_started", "Not started yet", "Pas encore démarrée"),
    ],
    "pss_type": [
        ("individual", "Individual counselling", "Counselling individuel"),
        ("group", "Group or peer support", "Groupe de parole ou soutien par les pairs"),
        ("family_mediation", "Family mediation", "Médiation familiale"),
        (
            "psychoeducation",
            "Information sessions on stress and well-being",
            "Séances d'information sur le stress et le bien-être",
        ),
        (
            "specialised",
            "Psychiatric or specialised mental health care",
            "Soins psychiatriques ou de santé mentale spécialisés",
        ),
        (
            "community",
            "Community, cultural or sports activities",
            "Activités communautaires, culturelles ou sportives",
        ),
        OTHER,
    ],
    "pss_provider": [
        ("iom", "IOM", "OIM"),
        ("ngo", "NGO or association", "ONG ou association"),
        ("health_service", "Public health service", "Service de santé public"),
        ("community_leader", "Community or religious leader", "Leader communautaire ou religieux"),
        ("traditional_healer", "Traditional healer", "Tradipraticien"),
        OTHER,
    ],
    # ---- Reintegration Sustainability Survey answer scales (scored) --------------------------
    "sat5": [
        ("very_satisfied", "Very satisfied", "Très satisfait(e)", {"score": 1}),
        ("satisfied", "Satisfied", "Satisfait(e)", {"score": 0.75}),
        (
            "neutral",
            "Neither satisfied nor dissatisfied",
            "Ni satisfait(e) ni insatisfait(e)",
            {"score": 0.5},
        ),
        ("dissatisfied", "Dissatisfied", "Insatisfait(e)", {"score": 0.25}),
        ("very_dissatisfied", "Very dissatisfied", "Très insatisfait(e)", {"score": 0}),
        DK,
        REFUSE,
    ],
    # A frequency where "never" is the best outcome (food cut, borrowing, family tension).
    "freq_bad": [
        ("never", "Never", "Jamais", {"score": 1}),
        ("rarely", "Rarely", "Rarement", {"score": 0.75}),
        ("sometimes", "Sometimes", "Parfois", {"score": 0.5}),
        ("often", "Often", "Souvent", {"score": 0.25}),
        ("very_often", "Very often", "Très souvent", {"score": 0}),
        DK,
        REFUSE,
    ],
    # A frequency where "very often" is the best outcome (social activities).
    "freq_good": [
        ("very_often", "Very often", "Très souvent", {"score": 1}),
        ("often", "Often", "Souvent", {"score": 0.75}),
        ("sometimes", "Sometimes", "Parfois", {"score": 0.5}),
        ("rarely", "Rarely", "Rarement", {"score": 0.25}),
        ("never", "Never", "Jamais", {"score": 0}),
        DK,
        REFUSE,
    ],
    "quality5": [
        ("very_good", "Very good", "Très bon", {"score": 1}),
        ("good", "Good", "Bon", {"score": 0.75}),
        ("fair", "Fair", "Moyen", {"score": 0.5}),
        ("poor", "Poor", "Mauvais", {"score": 0.25}),
        ("very_poor", "Very poor", "Très mauvais", {"score": 0}),
        DK,
        REFUSE,
    ],
    "safe5": [
        ("very_safe", "Very safe", "Tout à fait en sécurité", {"score": 1}),
        ("safe", "Safe", "En sécurité", {"score": 0.75}),
        ("neutral", "Neither safe nor unsafe", "Ni en sécurité ni en insécurité", {"score": 0.5}),
        ("unsafe", "Unsafe", "En insécurité", {"score": 0.25}),
        ("very_unsafe", "Very unsafe", "En grande insécurité", {"score": 0}),
        DK,
        REFUSE,
    ],
    "debt3": [
        ("no_debt", "I have no debts", "Je n'ai pas de dettes", {"score": 1}),
        (
            "debt_smaller",
            "My debts are smaller than my monthly spending",
            "Mes dettes sont inférieures à mes dépenses mensuelles",
            {"score": 0.5},
        ),
        (
            "debt_larger",
            "My debts are larger than my monthly spending",
            "Mes dettes sont supérieures à mes dépenses mensuelles",
            {"score": 0},
        ),
        DK,
        REFUSE,
    ],
    # Yes is the good answer.
    "yn_good": [("yes", "Yes", "Oui", {"score": 1}), ("no", "No", "Non", {"score": 0}), DK, REFUSE],
    # No is the good answer (discrimination, wants specialised psychological support).
    "yn_bad": [("yes", "Yes", "Oui", {"score": 0}), ("no", "No", "Non", {"score": 1}), DK, REFUSE],
    "yn_na_good": [
        ("yes", "Yes", "Oui", {"score": 1}),
        ("no", "No", "Non", {"score": 0}),
        NA_SCHOOL,
        DK,
        REFUSE,
    ],
    # The distress checklist is scored by the number of signs ticked, not per choice.
    "distress": [
        ("anger", "Anger", "Colère"),
        ("sadness", "Sadness", "Tristesse"),
        ("fear", "Fear", "Peur"),
        ("stress", "Stress", "Stress"),
        ("loneliness", "Loneliness", "Solitude"),
        ("low_self_esteem", "Low self-esteem", "Manque d'estime de soi"),
        ("poor_concentration", "Difficulty concentrating", "Difficultés à se concentrer"),
        ("none", "None of these", "Aucun de ces sentiments"),
        REFUSE,
    ],
}
DISTRESS_SIGNS = 7  # the number of real signs in the "distress" list

# ---------------------------------------------------------------------------------------------
# Returnee intake
# ---------------------------------------------------------------------------------------------
CONSENTED = "${consent_ok} = 'yes'"
WG_DOMAINS = (
    "wg_seeing",
    "wg_hearing",
    "wg_walking",
    "wg_cognition",
    "wg_selfcare",
    "wg_communication",
)


def _wg(name: str, en: str, fr: str) -> Row:
    return q("select_one wg", name, (en, fr), required=YES, sensitive=True)


INTAKE_SURVEY: list[Row] = [
    q("start", "start"),
    q("end", "end"),
    q("today", "today"),
    q("deviceid", "deviceid"),
    q("username", "username"),
    # -- registration ---------------------------------------------------------------------------
    q("begin_group", "registration", ("Registration", "Enregistrement")),
    q(
        "text",
        "enumerator",
        ("Enumerator's name", "Nom de l'enquêteur ou de l'enquêtrice"),
        required=YES,
    ),
    q(
        "date",
        "registration_date",
        ("Registration date", "Date d'enregistrement"),
        required=YES,
        default="today()",
        constraint=". <= today() and . >= date('2017-01-01')",
        constraint_message=PAST_DATE_MSG,
        save_to="registration_date",
    ),
    q(
        "text",
        "case_number",
        ("Case number", "Numéro de dossier"),
        hint=(
            "As written on the case file, e.g. MLI-2026-001234.",
            "Tel qu'il figure sur le dossier, par exemple MLI-2026-001234.",
        ),
        required=YES,
        constraint="regex(., '^[A-Za-z0-9][A-Za-z0-9/_-]{3,29}$')",
        constraint_message=(
            "4 to 30 letters, digits, '-', '/' or '_', without spaces.",
            "4 à 30 lettres, chiffres, « - », « / » ou « _ », sans espace.",
        ),
        save_to="case_number",
    ),
    q(
        "select_one interview_setting",
        "interview_setting",
        ("Where does this interview take place?", "Où cet entretien a-t-il lieu ?"),
        required=YES,
    ),
    q(
        "select_one language",
        "interview_language",
        ("Language of the interview", "Langue de l'entretien"),
        required=YES,
    ),
    end(),
    # -- consent --------------------------------------------------------------------------------
    q("begin_group", "consent", ("Consent", "Consentement")),
    q(
        "note",
        "consent_intro",
        (
            "Read to the person: we will ask questions about you, your journey and your plans so "
            "that the programme can organise your return and help you after it. Your answers are "
            "confidential. You may refuse any question and stop at any time; this will not affect "
            "the help you receive.",
            "À lire à la personne : nous allons vous poser des questions sur vous, votre parcours "
            "et vos projets afin que le programme organise votre retour et vous accompagne "
            "ensuite. Vos réponses sont confidentielles. Vous pouvez refuser de répondre à une "
            "question et arrêter à tout moment, sans conséquence sur l'aide que vous recevrez.",
        ),
    ),
    q(
        "select_one yes_no",
        "respondent_minor",
        ("Is the person under 18 years old?", "La personne a-t-elle moins de 18 ans ?"),
        required=YES,
    ),
    q(
        "select_one yes_no",
        "voluntary_return",
        (
            "Declaration of voluntary return: does the person confirm that returning to Mali is "
            "their own free choice, that they have received the information they need to decide, "
            "and that they know they can change their mind at any time before departure?",
            "Déclaration de retour volontaire : la personne confirme-t-elle que le retour au Mali "
            "est son libre choix, qu'elle a reçu les informations nécessaires pour décider et "
            "qu'elle sait pouvoir changer d'avis à tout moment avant le départ ?",
        ),
        required=YES,
    ),
    q(
        "select_one yes_no",
        "consent_data",
        (
            "Data protection: does the person agree that the programme collects and keeps the "
            "personal data in this form in order to organise the return and reintegration "
            "assistance?",
            "Protection des données : la personne accepte-t-elle que le programme collecte et "
            "conserve les données personnelles de ce formulaire pour organiser l'aide au retour et "
            "à la réintégration ?",
        ),
        required=YES,
    ),
    q(
        "select_one yes_no",
        "consent_referral",
        (
            "Does the person agree that their information may be shared with partner organisations "
            "to refer them to services (health, employment, psychosocial support…)?",
            "La personne accepte-t-elle que ses informations soient partagées avec des "
            "organisations partenaires pour l'orienter vers des services (santé, emploi, soutien "
            "psychosocial…) ?",
        ),
        required=YES,
    ),
    q(
        "select_one yes_no",
        "consent_photo",
        (
            "Does the person agree to have their photo taken for the case file?",
            "La personne accepte-t-elle d'être prise en photo pour son dossier ?",
        ),
        required=YES,
    ),
    q(
        "select_one yes_no",
        "guardian_consent",
        (
            "Has the parent or legal guardian given consent on behalf of the child, for each of "
            "the points above?",
            "Le parent ou le tuteur légal a-t-il donné son consentement au nom de l'enfant, pour "
            "chacun des points ci-dessus ?",
        ),
        required=YES,
        relevant="${respondent_minor} = 'yes'",
    ),
    q(
        "text",
        "guardian_name",
        ("Name of the parent or legal guardian", "Nom du parent ou du tuteur légal"),
        required=YES,
        relevant="${guardian_consent} = 'yes'",
        sensitive=True,
    ),
    q(
        "select_one guardian_type",
        "guardian_type",
        ("Who is this guardian?", "Qui est ce tuteur ?"),
        required=YES,
        relevant="${guardian_consent} = 'yes'",
    ),
    q(
        "calculate",
        "consent_ok",
        calculation=(
            "if(${voluntary_return} = 'yes' and ${consent_data} = 'yes' and (${respondent_minor} = "
            "'no' or ${guardian_consent} = 'yes'), 'yes', 'no')"
        ),
    ),
    q(
        "image",
        "consent_signature",
        (
            "Signature or mark of the person (of the guardian for a child)",
            "Signature ou marque de la personne (du tuteur pour un enfant)",
        ),
        appearance="signature",
        parameters="max-pixels=1024",
        relevant=CONSENTED,
        sensitive=True,
    ),
    q(
        "note",
        "no_consent_note",
        (
            "The person has not consented (or the guardian has not). Do not continue: save and "
            "finalise the form now. No personal data will be recorded.",
            "La personne (ou son tuteur) n'a pas donné son consentement. Ne pas continuer : "
            "enregistrer et finaliser le formulaire maintenant. Aucune donnée personnelle ne sera "
            "enregistrée.",
        ),
        relevant="${consent_ok} = 'no'",
    ),
    end(),
    # -- identity -------------------------------------------------------------------------------
    q("begin_group", "identity", ("Identity", "Identité"), relevant=CONSENTED),
    q(
        "text",
        "first_name",
        ("First name(s)", "Prénom(s)"),
        hint=(
            "As on the identity document, if any.",
            "Comme sur la pièce d'identité, s'il y en a une.",
        ),
        required=YES,
        save_to="first_name",
        sensitive=True,
    ),
    q(
        "text",
        "last_name",
        ("Family name", "Nom de famille"),
        hint=("For example Traoré, Diallo, Keïta.", "Par exemple Traoré, Diallo, Keïta."),
        required=YES,
        save_to="last_name",
        sensitive=True,
    ),
    q(
        "calculate",
        "full_name",
        calculation="concat(${first_name}, ' ', ${last_name})",
        sensitive=True,
    ),
    q("select_one sex", "sex", ("Sex", "Sexe"), required=YES, save_to="sex"),
    q(
        "date",
        "dob",
        ("Date of birth", "Date de naissance"),
        hint=(
            "If only the year is known, enter 1 January of that year.",
            "Si seule l'année est connue, saisir le 1er janvier de cette année.",
        ),
        required=YES,
        constraint=(
            ". <= today() and . >= date('1920-01-01') and ((${respondent_minor} = 'yes') = "
            "((decimal-date-time(today()) - decimal-date-time(string(.))) div 365.25 < 18))"
        ),
        constraint_message=(
            "The date must be between 1920 and today, and agree with the answer to 'under 18 years "
            "old' in the consent section.",
            "La date doit être comprise entre 1920 et aujourd'hui, et concorder avec la réponse « "
            "moins de 18 ans » de la section consentement.",
        ),
        save_to="dob",
        sensitive=True,
    ),
    q(
        "select_one yes_no",
        "dob_estimated",
        ("Is the date of birth estimated?", "La date de naissance est-elle approximative ?"),
        required=YES,
    ),
    q(
        "calculate",
        "age",
        calculation=(
            "int((decimal-date-time(today()) - decimal-date-time(string(${dob}))) div 365.25)"
        ),
    ),
    q(
        "select_one country",
        "nationality",
        ("Nationality", "Nationalité"),
        required=YES,
        default="MLI",
    ),
    q(
        "text",
        "nationality_other",
        ("Other nationality", "Autre nationalité"),
        required=YES,
        relevant="${nationality} = 'other'",
    ),
    q(
        "text",
        "place_of_birth",
        ("Place of birth", "Lieu de naissance"),
        hint=("Village or town, cercle, country.", "Village ou ville, cercle, pays."),
        sensitive=True,
    ),
    q(
        "select_multiple language",
        "languages",
        ("Languages spoken", "Langues parlées"),
        required=YES,
    ),
    q(
        "text",
        "languages_other",
        ("Other languages", "Autres langues"),
        required=YES,
        relevant="selected(${languages}, 'other')",
    ),
    q(
        "select_one yes_no",
        "has_phone",
        (
            "Does the person have a phone number where they can be reached?",
            "La personne a-t-elle un numéro de téléphone où la joindre ?",
        ),
        required=YES,
    ),
    q(
        "text",
        "phone",
        ("Phone number", "Numéro de téléphone"),
        hint=(
            "8 digits for a Malian number (e.g. 76123456); + and the country code for a foreign "
            "number.",
            "8 chiffres pour un numéro malien (par ex. 76123456) ; + et l'indicatif pour un numéro "
            "étranger.",
        ),
        required=YES,
        relevant="${has_phone} = 'yes'",
        appearance="numbers",
        constraint="regex(., '^([0-9]{8}|[+][0-9]{8,15})$')",
        constraint_message=(
            "8 digits, or + followed by 8 to 15 digits, without spaces.",
            "8 chiffres, ou + suivi de 8 à 15 chiffres, sans espace.",
        ),
        save_to="phone",
        sensitive=True,
    ),
    q(
        "select_one phone_owner",
        "phone_owner",
        ("Whose phone is it?", "À qui appartient ce téléphone ?"),
        required=YES,
        relevant="${has_phone} = 'yes'",
    ),
    q(
        "select_one id_doc",
        "id_doc_type",
        (
            "Identity or travel document held by the person",
            "Pièce d'identité ou document de voyage de la personne",
        ),
        hint=("The most useful one for travel.", "Celle qui est la plus utile pour le voyage."),
        required=YES,
    ),
    q(
        "text",
        "id_doc_other",
        ("Other document", "Autre document"),
        required=YES,
        relevant="${id_doc_type} = 'other'",
    ),
    q(
        "text",
        "id_number",
        ("Document number", "Numéro du document"),
        relevant="${id_doc_type} != '' and ${id_doc_type} != 'none'",
        sensitive=True,
    ),
    q(
        "date",
        "id_expiry",
        ("Expiry date of the document", "Date d'expiration du document"),
        relevant=(
            "${id_doc_type} = 'passport' or ${id_doc_type} = 'national_id' or ${id_doc_type} = "
            "'consular_card'"
        ),
        constraint=". >= date('2000-01-01') and . <= date('2045-12-31')",
        constraint_message=(
            "Check the date: between 2000 and 2045.",
            "Vérifier la date : entre 2000 et 2045.",
        ),
    ),
    q(
        "select_one yes_no",
        "laissez_passer_needed",
        (
            "Is a laissez-passer needed for the journey?",
            "Un laissez-passer est-il nécessaire pour le voyage ?",
        ),
        hint=(
            "Needed when the person has no valid passport (or national ID accepted on the route). "
            "Check with the consulate.",
            "Nécessaire si la personne n'a pas de passeport valide (ou de carte d'identité "
            "acceptée sur le trajet). Vérifier auprès du consulat.",
        ),
        required=YES,
        relevant="${interview_setting} = 'pre_departure'",
    ),
    q(
        "image",
        "photo",
        ("Photo of the person", "Photo de la personne"),
        parameters="max-pixels=1024",
        relevant="${consent_photo} = 'yes'",
        sensitive=True,
    ),
    end(),
    # -- household and dependants ---------------------------------------------------------------
    q(
        "begin_group",
        "household",
        ("Household and dependants", "Ménage et personnes à charge"),
        relevant=CONSENTED,
    ),
    q(
        "select_one marital",
        "marital_status",
        ("Marital status", "Situation matrimoniale"),
        required=YES,
    ),
    q(
        "integer",
        "household_size",
        (
            "How many people, including the person, will live in the household they return to?",
            "Combien de personnes, y compris la personne, vivront dans le ménage où elle retourne "
            "?",
        ),
        required=YES,
        constraint=". >= 1 and . <= 30",
        constraint_message=("Between 1 and 30.", "Entre 1 et 30."),
    ),
    q(
        "integer",
        "dependants",
        (
            "How many people depend on the person financially?",
            "Combien de personnes dépendent financièrement de la personne ?",
        ),
        required=YES,
        constraint=". >= 0 and . <= 30",
        constraint_message=("Between 0 and 30.", "Entre 0 et 30."),
    ),
    q(
        "select_one yes_no",
        "accompanied",
        (
            "Are family members returning together with the person?",
            "Des membres de la famille rentrent-ils avec la personne ?",
        ),
        required=YES,
    ),
    q(
        "integer",
        "family_count",
        (
            "How many family members return with the person?",
            "Combien de membres de la famille rentrent avec elle ?",
        ),
        required=YES,
        relevant="${accompanied} = 'yes'",
        constraint=". >= 1 and . <= 20",
        constraint_message=("Between 1 and 20.", "Entre 1 et 20."),
    ),
    q(
        "begin_repeat",
        "family_members",
        ("Accompanying family member", "Membre de la famille accompagnant"),
        relevant="${accompanied} = 'yes'",
        repeat_count="${family_count}",
    ),
    q("text", "member_name", ("First name", "Prénom"), required=YES, sensitive=True),
    q(
        "select_one relationship",
        "member_relationship",
        ("Relationship to the person", "Lien avec la personne"),
        required=YES,
    ),
    q("select_one sex", "member_sex", ("Sex", "Sexe"), required=YES),
    q(
        "integer",
        "member_age",
        ("Age (completed years)", "Âge (années révolues)"),
        hint=("0 for a baby under one year.", "0 pour un bébé de moins d'un an."),
        required=YES,
        constraint=". >= 0 and . <= 110",
        constraint_message=("Between 0 and 110.", "Entre 0 et 110."),
    ),
    end("repeat"),
    end(),
    # -- vulnerability screening ----------------------------------------------------------------
    q(
        "begin_group",
        "vulnerability",
        ("Vulnerability screening", "Identification des vulnérabilités"),
        relevant=CONSENTED,
    ),
    q(
        "note",
        "vulnerability_intro",
        (
            "Rapid screening. Ask gently; the person may decline any question. Each concern raises "
            "a referral flag for a full assessment by a specialist.",
            "Identification rapide. Poser les questions avec tact ; la personne peut refuser de "
            "répondre. Chaque difficulté signalée entraîne un référencement pour une évaluation "
            "complète par un spécialiste.",
        ),
    ),
    q(
        "select_one fitness",
        "fit_to_travel",
        (
            "Fitness to travel (from the medical check)",
            "Aptitude au voyage (selon le contrôle médical)",
        ),
        required=YES,
        sensitive=True,
    ),
    q(
        "select_one yes_no_refuse",
        "medical_condition",
        (
            "Does the person have a serious or long-term illness or injury that needs care after "
            "return?",
            "La personne a-t-elle une maladie ou une blessure grave ou de longue durée qui "
            "nécessite des soins après le retour ?",
        ),
        required=YES,
        sensitive=True,
    ),
    q(
        "text",
        "medical_details",
        (
            "Describe briefly (condition, treatment, medicines)",
            "Décrire brièvement (problème de santé, traitement, médicaments)",
        ),
        relevant="${medical_condition} = 'yes'",
        sensitive=True,
    ),
    q(
        "note",
        "wg_intro",
        (
            "The next questions ask about difficulties the person may have doing certain "
            "activities because of a health problem.",
            "Les questions suivantes portent sur les difficultés que la personne peut avoir à "
            "faire certaines activités en raison d'un problème de santé.",
        ),
    ),
    _wg(
        "wg_seeing",
        "Do you have difficulty seeing, even if wearing glasses?",
        "Avez-vous des difficultés à voir, même si vous portez des lunettes ?",
    ),
    _wg(
        "wg_hearing",
        "Do you have difficulty hearing, even if using a hearing aid?",
        "Avez-vous des difficultés à entendre, même si vous utilisez un appareil auditif ?",
    ),
    _wg(
        "wg_walking",
        "Do you have difficulty walking or climbing steps?",
        "Avez-vous des difficultés à marcher ou à monter des marches ?",
    ),
    _wg(
        "wg_cognition",
        "Do you have difficulty remembering or concentrating?",
        "Avez-vous des difficultés à vous souvenir ou à vous concentrer ?",
    ),
    _wg(
        "wg_selfcare",
        "Do you have difficulty with self-care, such as washing all over or dressing?",
        "Avez-vous des difficultés à prendre soin de vous, comme vous laver entièrement ou vous "
        "habiller ?",
    ),
    _wg(
        "wg_communication",
        "Using your usual language, do you have difficulty communicating, for example "
        "understanding or being understood?",
        "En utilisant votre langue habituelle, avez-vous des difficultés à communiquer, par "
        "exemple à comprendre les autres ou à vous faire comprendre ?",
    ),
    q(
        "calculate",
        "disability",
        calculation="if("
        + " or ".join(f"${{{d}}} = 'a_lot' or ${{{d}}} = 'cannot'" for d in WG_DOMAINS)
        + ", 'yes', 'no')",
        sensitive=True,
    ),
    q(
        "select_one yes_no_dk",
        "pregnant",
        ("Is the person pregnant?", "La personne est-elle enceinte ?"),
        required=YES,
        relevant="${sex} = 'female' and ${age} >= 12 and ${age} <= 55",
        sensitive=True,
    ),
    q(
        "integer",
        "pregnancy_months",
        ("How many months pregnant?", "Enceinte de combien de mois ?"),
        relevant="${pregnant} = 'yes'",
        constraint=". >= 1 and . <= 9",
        constraint_message=("Between 1 and 9.", "Entre 1 et 9."),
        sensitive=True,
    ),
    q("calculate", "older_person", calculation="if(${age} >= 60, 'yes', 'no')"),
    q(
        "select_one uasc",
        "uasc_status",
        ("Who is the child travelling with?", "Avec qui l'enfant voyage-t-il ?"),
        required=YES,
        relevant="${age} < 18",
        sensitive=True,
    ),
    q(
        "select_one yes_no_dk",
        "family_tracing_needed",
        ("Is family tracing needed?", "Une recherche familiale est-elle nécessaire ?"),
        required=YES,
        relevant="${uasc_status} = 'separated' or ${uasc_status} = 'unaccompanied'",
        sensitive=True,
    ),
    q(
        "select_one yes_no_dk",
        "best_interests_done",
        (
            "Has a best interests assessment been carried out?",
            "Une évaluation de l'intérêt supérieur de l'enfant a-t-elle été réalisée ?",
        ),
        required=YES,
        relevant="${uasc_status} = 'separated' or ${uasc_status} = 'unaccompanied'",
        sensitive=True,
    ),
    q(
        "select_multiple trafficking",
        "trafficking_indicators",
        (
            "During the journey or abroad, did any of the following happen to the person?",
            "Pendant le voyage ou à l'étranger, l'une des situations suivantes est-elle arrivée à "
            "la personne ?",
        ),
        hint=(
            "Read the options. Tick all that apply.",
            "Lire les réponses. Cocher toutes celles qui s'appliquent.",
        ),
        required=YES,
        constraint=only("none", "refuse"),
        constraint_message=ONLY_MSG,
        sensitive=True,
    ),
    q(
        "select_one gbv",
        "gbv_disclosure",
        (
            "Gender-based violence (your observation: do NOT ask about it directly)",
            "Violences basées sur le genre (votre observation : NE PAS poser la question "
            "directement)",
        ),
        hint=(
            "Record only what the person shares spontaneously or what you observe. Do not probe. "
            "If the person discloses violence, offer a confidential referral.",
            "N'enregistrer que ce que la personne dit spontanément ou ce que vous observez. Ne pas "
            "insister. Si la personne fait état de violences, proposer un référencement "
            "confidentiel.",
        ),
        required=YES,
        sensitive=True,
    ),
    q(
        "select_one yes_no",
        "gbv_referral_accepted",
        (
            "Did the person accept a confidential referral to a GBV service?",
            "La personne a-t-elle accepté un référencement confidentiel vers un service de prise "
            "en charge des VBG ?",
        ),
        required=YES,
        relevant="${gbv_disclosure} = 'disclosed' or ${gbv_disclosure} = 'suspected'",
        sensitive=True,
    ),
    q(
        "select_multiple distress_obs",
        "distress_signs",
        (
            "Signs of distress observed during the interview",
            "Signes de détresse observés pendant l'entretien",
        ),
        required=YES,
        constraint=only("none"),
        constraint_message=(
            "'No sign observed' cannot be combined with other answers.",
            "« Aucun signe observé » ne peut pas être combiné avec d'autres réponses.",
        ),
        sensitive=True,
    ),
    q(
        "note",
        "self_harm_alert",
        (
            "URGENT: the person talks about harming themselves. Do not leave them alone; call the "
            "psychosocial focal point now.",
            "URGENT : la personne parle de se faire du mal. Ne pas la laisser seule ; appeler "
            "immédiatement le point focal psychosocial.",
        ),
        relevant="selected(${distress_signs}, 'self_harm')",
    ),
    end(),
    # -- migration route and experience ---------------------------------------------------------
    q(
        "begin_group",
        "migration",
        ("Migration route and experience", "Parcours et expérience migratoire"),
        relevant=CONSENTED,
    ),
    q(
        "select_one country",
        "host_country",
        ("Country the person is returning from", "Pays d'où la personne revient"),
        required=YES,
        choice_filter="name != 'MLI'",
    ),
    q(
        "text",
        "host_country_other",
        ("Other country", "Autre pays"),
        required=YES,
        relevant="${host_country} = 'other'",
    ),
    q(
        "select_one host_location",
        "host_location_type",
        (
            "Where was the person staying before return?",
            "Où la personne séjournait-elle avant le retour ?",
        ),
        required=YES,
        sensitive=True,
    ),
    q(
        "select_one immigration_status",
        "immigration_status",
        ("Immigration status in that country", "Situation administrative dans ce pays"),
        required=YES,
    ),
    q(
        "date",
        "departure_date",
        (
            "When did the person last leave Mali?",
            "Quand la personne a-t-elle quitté le Mali pour la dernière fois ?",
        ),
        hint=(
            "If only the month is known, enter the 1st of the month.",
            "Si seul le mois est connu, saisir le 1er du mois.",
        ),
        required=YES,
        constraint=". <= today() and . > ${dob}",
        constraint_message=(
            "The date must be after the date of birth and not in the future.",
            "La date doit être postérieure à la date de naissance et ne pas être dans le futur.",
        ),
    ),
    q(
        "date",
        "arrival_host_date",
        (
            "When did the person arrive in the country they are returning from?",
            "Quand la personne est-elle arrivée dans le pays d'où elle revient ?",
        ),
        constraint=". >= ${departure_date} and . <= today()",
        constraint_message=(
            "The date must be between the departure from Mali and today.",
            "La date doit être comprise entre le départ du Mali et aujourd'hui.",
        ),
    ),
    q(
        "calculate",
        "months_abroad",
        calculation=(
            "if(${departure_date} = '', '', int((decimal-date-time(coalesce(${return_date}, "
            "today())) - decimal-date-time(string(${departure_date}))) div 30.4375))"
        ),
    ),
    q(
        "select_multiple country",
        "transit_countries",
        ("Countries crossed on the way", "Pays traversés pendant le voyage"),
        hint=(
            "Leave empty if the person travelled directly.",
            "Laisser vide si la personne a voyagé directement.",
        ),
        choice_filter="name != 'MLI'",
    ),
    q(
        "select_multiple reason_leaving",
        "reason_leaving",
        ("Why did the person leave Mali?", "Pourquoi la personne a-t-elle quitté le Mali ?"),
        hint=("Tick all that apply.", "Cocher toutes les réponses qui s'appliquent."),
        required=YES,
    ),
    q(
        "text",
        "reason_leaving_other",
        ("Other reason", "Autre raison"),
        required=YES,
        relevant="selected(${reason_leaving}, 'other')",
    ),
    q(
        "select_one yes_no_refuse",
        "detention",
        (
            "During the journey or abroad, was the person ever detained (prison, detention centre, "
            "or held by armed groups or smugglers)?",
            "Pendant le voyage ou à l'étranger, la personne a-t-elle été détenue (prison, centre "
            "de détention, ou retenue par des groupes armés ou des passeurs) ?",
        ),
        required=YES,
        sensitive=True,
    ),
    q(
        "select_multiple country",
        "detention_countries",
        ("In which countries?", "Dans quels pays ?"),
        required=YES,
        relevant="${detention} = 'yes'",
        sensitive=True,
    ),
    q(
        "integer",
        "detention_months",
        ("For how long in total (months)?", "Pendant combien de temps au total (en mois) ?"),
        hint=("0 if less than one month.", "0 si moins d'un mois."),
        relevant="${detention} = 'yes'",
        constraint=". >= 0 and . <= 120",
        constraint_message=("Between 0 and 120.", "Entre 0 et 120."),
        sensitive=True,
    ),
    q(
        "select_multiple abuse",
        "abuse",
        (
            "During the journey or abroad, did the person experience any of the following?",
            "Pendant le voyage ou à l'étranger, la personne a-t-elle subi l'une des situations "
            "suivantes ?",
        ),
        hint=(
            "The person does not have to answer: tick 'Refuses to answer' if they prefer not to.",
            "La personne n'est pas obligée de répondre : cocher « Refuse de répondre » si elle "
            "préfère ne pas répondre.",
        ),
        required=YES,
        constraint=only("none", "refuse"),
        constraint_message=ONLY_MSG,
        sensitive=True,
    ),
    q(
        "integer",
        "journey_cost_xof",
        ("Total cost of the journey (FCFA)", "Coût total du voyage (FCFA)"),
        hint=(
            "Transport, smugglers, bribes and ransoms included; 0 if nothing was paid. An estimate "
            "is fine.",
            "Transport, passeurs, pots-de-vin et rançons compris ; 0 si rien n'a été payé. Une "
            "estimation suffit.",
        ),
        constraint=". >= 0 and . <= 50000000",
        constraint_message=XOF_MSG,
    ),
    q(
        "select_multiple financing",
        "journey_financing",
        ("How was the journey paid for?", "Comment le voyage a-t-il été financé ?"),
        relevant="${journey_cost_xof} > 0",
    ),
    q(
        "select_one yes_no_refuse",
        "journey_debt",
        (
            "Does the person (or their family) still owe money because of the journey?",
            "La personne (ou sa famille) doit-elle encore de l'argent à cause du voyage ?",
        ),
        required=YES,
    ),
    q(
        "integer",
        "journey_debt_xof",
        ("Amount still owed (FCFA)", "Montant restant dû (FCFA)"),
        relevant="${journey_debt} = 'yes'",
        constraint=". > 0 and . <= 50000000",
        constraint_message=XOF_MSG,
    ),
    end(),
    # -- return ---------------------------------------------------------------------------------
    q("begin_group", "return_plan", ("Return", "Retour"), relevant=CONSENTED),
    q(
        "select_one region",
        "return_region",
        ("Region of destination in Mali", "Région de destination au Mali"),
        required=YES,
        save_to="region",
    ),
    q(
        "select_one cercle",
        "return_cercle",
        ("Cercle", "Cercle"),
        required=YES,
        choice_filter="region = ${return_region} or name = 'other'",
        save_to="cercle",
    ),
    q(
        "select_one commune",
        "return_commune",
        ("Commune", "Commune"),
        required=YES,
        choice_filter="cercle = ${return_cercle} or name = 'other'",
        save_to="commune",
    ),
    q(
        "text",
        "return_commune_other",
        (
            "Name of the commune (and of the cercle if not listed)",
            "Nom de la commune (et du cercle s'il n'est pas dans la liste)",
        ),
        required=YES,
        relevant="${return_commune} = 'other'",
    ),
    q(
        "text",
        "return_locality",
        ("Village or neighbourhood (quartier)", "Village ou quartier"),
        required=YES,
        sensitive=True,
    ),
    q(
        "text",
        "return_address",
        (
            "Address or directions to find the person",
            "Adresse ou indications pour retrouver la personne",
        ),
        sensitive=True,
    ),
    q(
        "date",
        "return_date",
        ("Date of return (actual or planned)", "Date du retour (effective ou prévue)"),
        required=YES,
        constraint=(
            ". >= date('2017-01-01') and "
            "decimal-date-time(string(.)) <= decimal-date-time(today()) + 365"
        ),
        constraint_message=(
            "The date must be between 2017 and one year from today.",
            "La date doit être comprise entre 2017 et dans un an.",
        ),
    ),
    q("select_one return_mode", "return_mode", ("Mode of return", "Mode de retour"), required=YES),
    q(
        "text",
        "return_mode_other",
        ("Other mode of return", "Autre mode de retour"),
        required=YES,
        relevant="${return_mode} = 'other'",
    ),
    q(
        "select_multiple reception",
        "reception",
        ("Reception assistance (received or planned)", "Assistance à l'accueil (reçue ou prévue)"),
        required=YES,
        constraint=only("none"),
        constraint_message=(
            "'None' cannot be combined with other answers.",
            "« Aucun » ne peut pas être combiné avec d'autres réponses.",
        ),
    ),
    q(
        "integer",
        "reception_cash_xof",
        ("Cash allowance on arrival (FCFA)", "Argent de poche à l'arrivée (FCFA)"),
        relevant="selected(${reception}, 'pocket_money')",
        constraint=". > 0 and . <= 1000000",
        constraint_message=XOF_MSG,
    ),
    end(),
    # -- needs and skills -----------------------------------------------------------------------
    q("begin_group", "needs", ("Needs and skills", "Besoins et compétences"), relevant=CONSENTED),
    q(
        "select_one education",
        "education",
        ("Highest level of education", "Niveau d'instruction le plus élevé"),
        required=YES,
    ),
    q(
        "select_one yes_no",
        "literate",
        (
            "Can the person read and write in any language?",
            "La personne sait-elle lire et écrire dans une langue ?",
        ),
        required=YES,
    ),
    q(
        "select_multiple sector",
        "work_sectors",
        (
            "In which sectors has the person worked, in Mali or abroad?",
            "Dans quels secteurs la personne a-t-elle travaillé, au Mali ou à l'étranger ?",
        ),
        required=YES,
        constraint=only("none"),
        constraint_message=(
            "'Has never worked' cannot be combined with other answers.",
            "« N'a jamais travaillé » ne peut pas être combiné avec d'autres réponses.",
        ),
    ),
    q(
        "text",
        "work_sectors_other",
        ("Other sector", "Autre secteur"),
        required=YES,
        relevant="selected(${work_sectors}, 'other')",
    ),
    q(
        "integer",
        "work_years",
        ("Years of work experience in total", "Nombre total d'années d'expérience professionnelle"),
        relevant="count-selected(${work_sectors}) > 0 and not(selected(${work_sectors}, 'none'))",
        constraint=". >= 0 and . <= 70",
        constraint_message=("Between 0 and 70.", "Entre 0 et 70."),
    ),
    q(
        "select_multiple skill",
        "skills",
        ("Skills the person has", "Compétences de la personne"),
        required=YES,
        constraint=only("none"),
        constraint_message=(
            "'None' cannot be combined with other answers.",
            "« Aucun » ne peut pas être combiné avec d'autres réponses.",
        ),
    ),
    q(
        "text",
        "skills_other",
        ("Other skills", "Autres compétences"),
        required=YES,
        relevant="selected(${skills}, 'other')",
    ),
    q(
        "select_one intended_activity",
        "intended_activity",
        (
            "What would the person like to do after return?",
            "Que souhaite faire la personne après son retour ?",
        ),
        required=YES,
    ),
    q(
        "select_multiple assistance",
        "needs_economic",
        ("Economic assistance needed", "Besoins d'assistance économique"),
        choice_filter="dimension = 'economic'",
    ),
    q(
        "select_one partner",
        "referral_economic",
        ("Refer to (economic)", "Orienter vers (volet économique)"),
        required=YES,
        relevant="count-selected(${needs_economic}) > 0 and ${consent_referral} = 'yes'",
    ),
    q(
        "select_multiple assistance",
        "needs_social",
        ("Social assistance needed", "Besoins d'assistance sociale"),
        choice_filter="dimension = 'social'",
    ),
    q(
        "select_one partner",
        "referral_social",
        ("Refer to (social)", "Orienter vers (volet social)"),
        required=YES,
        relevant="count-selected(${needs_social}) > 0 and ${consent_referral} = 'yes'",
    ),
    q(
        "select_multiple assistance",
        "needs_psychosocial",
        ("Psychosocial assistance needed", "Besoins d'assistance psychosociale"),
        choice_filter="dimension = 'psychosocial'",
        sensitive=True,
    ),
    q(
        "select_one partner",
        "referral_psychosocial",
        ("Refer to (psychosocial)", "Orienter vers (volet psychosocial)"),
        required=YES,
        relevant="count-selected(${needs_psychosocial}) > 0 and ${consent_referral} = 'yes'",
        sensitive=True,
    ),
    q(
        "text",
        "referral_other",
        ("Other referral partner", "Autre partenaire de référencement"),
        required=YES,
        relevant=(
            "${referral_economic} = 'other' or ${referral_social} = 'other' or "
            "${referral_psychosocial} = 'other'"
        ),
    ),
    end(),
    # -- referral flags from the rapid screen ---------------------------------------------------
    q(
        "begin_group",
        "referral_flags",
        ("Referral flags", "Alertes de référencement"),
        relevant=CONSENTED,
    ),
    q(
        "calculate",
        "flag_medical",
        calculation=(
            "if(${fit_to_travel} = 'fit_escort' or ${fit_to_travel} = 'unfit' or "
            "${medical_condition} = 'yes' or ${pregnant} = 'yes', 'yes', 'no')"
        ),
        sensitive=True,
    ),
    q(
        "calculate",
        "flag_specific_needs",
        calculation="if(${disability} = 'yes' or ${older_person} = 'yes', 'yes', 'no')",
        sensitive=True,
    ),
    q(
        "calculate",
        "flag_child_protection",
        calculation=(
            "if(${uasc_status} = 'separated' or ${uasc_status} = 'unaccompanied', 'yes', 'no')"
        ),
        sensitive=True,
    ),
    q(
        "calculate",
        "flag_trafficking",
        calculation=(
            "if(count-selected(${trafficking_indicators}) > 0 and "
            "not(selected(${trafficking_indicators}, 'none')) and "
            "not(selected(${trafficking_indicators}, 'refuse')), 'yes', 'no')"
        ),
        sensitive=True,
    ),
    q(
        "calculate",
        "flag_gbv",
        calculation=(
            "if(${gbv_disclosure} = 'disclosed' or ${gbv_disclosure} = 'suspected', 'yes', 'no')"
        ),
        sensitive=True,
    ),
    q(
        "calculate",
        "flag_psychosocial",
        calculation=(
            "if((count-selected(${distress_signs}) > 0 and not(selected(${distress_signs}, "
            "'none'))) or ${detention} = 'yes' or (count-selected(${abuse}) > 0 and "
            "not(selected(${abuse}, 'none')) and not(selected(${abuse}, 'refuse'))), 'yes', 'no')"
        ),
        sensitive=True,
    ),
    q(
        "calculate",
        "flag_urgent",
        calculation=(
            "if(selected(${distress_signs}, 'self_harm') or ${fit_to_travel} = 'unfit' or "
            "${uasc_status} = 'unaccompanied', 'yes', 'no')"
        ),
        sensitive=True,
    ),
    q(
        "note",
        "flag_urgent_note",
        (
            "URGENT referral: self-harm risk, unfit to travel or unaccompanied child. Inform the "
            "case manager today.",
            "Référencement URGENT : risque d'automutilation, inaptitude au voyage ou enfant non "
            "accompagné. Informer le gestionnaire de cas aujourd'hui.",
        ),
        relevant="${flag_urgent} = 'yes'",
    ),
    q(
        "note",
        "flag_medical_note",
        ("Refer for a medical assessment.", "Orienter vers une évaluation médicale."),
        relevant="${flag_medical} = 'yes'",
    ),
    q(
        "note",
        "flag_specific_needs_note",
        (
            "Disability or older person: plan adapted travel and assistance.",
            "Handicap ou personne âgée : prévoir un voyage et une assistance adaptés.",
        ),
        relevant="${flag_specific_needs} = 'yes'",
    ),
    q(
        "note",
        "flag_child_protection_note",
        (
            "Refer to child protection services (best interests procedure).",
            "Orienter vers les services de protection de l'enfance (procédure d'intérêt "
            "supérieur).",
        ),
        relevant="${flag_child_protection} = 'yes'",
    ),
    q(
        "note",
        "flag_trafficking_note",
        (
            "Possible victim of trafficking: refer to the protection focal point.",
            "Victime potentielle de traite : orienter vers le point focal protection.",
        ),
        relevant="${flag_trafficking} = 'yes'",
    ),
    q(
        "note",
        "flag_gbv_note",
        (
            "GBV: refer only with the person's agreement, confidentially.",
            "VBG : orienter uniquement avec l'accord de la personne, de façon confidentielle.",
        ),
        relevant="${flag_gbv} = 'yes'",
    ),
    q(
        "note",
        "flag_psychosocial_note",
        (
            "Refer for a psychosocial assessment.",
            "Orienter vers une évaluation psychosociale.",
        ),
        relevant="${flag_psychosocial} = 'yes'",
    ),
    end(),
    # -- closing --------------------------------------------------------------------------------
    q(
        "geopoint",
        "interview_location",
        ("GPS location of the interview", "Position GPS de l'entretien"),
        hint=(
            "Take it outdoors if you can, and wait until the accuracy is under 20 m.",
            "La prendre à l'extérieur si possible, et attendre une précision inférieure à 20 m.",
        ),
        relevant=CONSENTED,
        sensitive=True,
    ),
    q(
        "note",
        "closing_note",
        (
            "Thank the person. Explain the next steps and how to contact the programme.",
            "Remercier la personne. Expliquer les prochaines étapes et comment joindre le "
            "programme.",
        ),
        relevant=CONSENTED,
    ),
]

INTAKE_ENTITIES: list[Row] = [
    {
        "list_name": "returnees",
        "label": "concat(${first_name}, ' ', ${last_name}, ' (', ${case_number}, ')')",
        "create_if": CONSENTED,
    }
]

INTAKE_SETTINGS: Row = {
    "form_id": "returnee_intake",
    "version": "2026120201",
    "form_title": "Returnee intake / Enregistrement des migrants de retour",
    "default_language": "English (en)",
    "instance_name": "concat('Intake ', ${case_number})",
    "namespaces": BAOBAB_NAMESPACE,
}

# ---------------------------------------------------------------------------------------------
# Reintegration follow-up (Reintegration Sustainability Survey)
# ---------------------------------------------------------------------------------------------
INTERVIEW_OK = "${interview_ok} = 'yes'"


def _entity(prop: str) -> str:
    """XPath of a property of the selected returnee in the attached entity list."""
    return f"instance('returnees')/root/item[name = ${{returnee}}]/{prop}"


def _rss(type_: str, name: str, en: str, fr: str, **columns: Any) -> Row:
    return q(type_, name, (en, fr), required=YES, **columns)


RSS_ECONOMIC: list[Row] = [
    _rss(
        "select_one sat5",
        "econ_satisfaction",
        "How satisfied are you with your current economic situation?",
        "Dans quelle mesure êtes-vous satisfait(e) de votre situation économique actuelle ?",
    ),
    _rss(
        "select_one freq_bad",
        "econ_food_cut",
        "In the past month, how often did you have to reduce the quantity or quality of the food "
        "you eat because of its cost?",
        "Au cours du dernier mois, combien de fois avez-vous dû réduire la quantité ou la qualité "
        "de vos repas à cause de leur coût ?",
    ),
    _rss(
        "select_one yn_good",
        "econ_can_borrow",
        "If you needed money, could you borrow it?",
        "Si vous aviez besoin d'argent, pourriez-vous en emprunter ?",
    ),
    _rss(
        "select_one freq_bad",
        "econ_borrow_freq",
        "How often do you borrow money?",
        "À quelle fréquence empruntez-vous de l'argent ?",
    ),
    _rss(
        "select_one debt3",
        "econ_debt_ratio",
        "Which is larger: your debts or your monthly spending?",
        "Qu'est-ce qui est le plus élevé : vos dettes ou vos dépenses mensuelles ?",
    ),
    _rss(
        "select_one yn_good",
        "econ_working",
        "Are you currently working (as an employee, on your own account or in your own business)?",
        "Travaillez-vous actuellement (comme salarié(e), à votre compte ou dans votre propre "
        "activité) ?",
    ),
    q(
        "select_one work_type",
        "work_type",
        (
            "What kind of work is it (main activity)?",
            "De quel type de travail s'agit-il (activité principale) ?",
        ),
        required=YES,
        relevant="${econ_working} = 'yes'",
    ),
    _rss(
        "select_one yn_good",
        "econ_productive_assets",
        "Do you or your household own productive assets, such as land, livestock, equipment or a "
        "business?",
        "Possédez-vous, vous ou votre ménage, des biens productifs comme des terres, du bétail, du "
        "matériel ou un commerce ?",
    ),
    q(
        "select_multiple asset",
        "assets_detail",
        ("Which ones?", "Lesquels ?"),
        required=YES,
        relevant="${econ_productive_assets} = 'yes'",
    ),
    _rss(
        "select_one quality5",
        "econ_job_access",
        "How would you rate your access to employment and training opportunities?",
        "Comment jugez-vous votre accès aux possibilités d'emploi et de formation ?",
    ),
]

RSS_SOCIAL: list[Row] = [
    _rss(
        "select_one quality5",
        "soc_housing_access",
        "How would you rate your access to housing in your community?",
        "Comment jugez-vous votre accès au logement dans votre communauté ?",
    ),
    _rss(
        "select_one quality5",
        "soc_housing_standard",
        "How would you rate the standard of the housing you live in today?",
        "Comment jugez-vous la qualité du logement dans lequel vous vivez aujourd'hui ?",
    ),
    _rss(
        "select_one yn_na_good",
        "soc_school_attendance",
        "Do all the school-age children in your household go to school?",
        "Tous les enfants en âge d'aller à l'école de votre ménage sont-ils scolarisés ?",
    ),
    _rss(
        "select_one quality5",
        "soc_health_access",
        "How would you rate your access to health care in your community?",
        "Comment jugez-vous votre accès aux soins de santé dans votre communauté ?",
    ),
    _rss(
        "select_one quality5",
        "soc_health_quality",
        "How would you rate the quality of the health care available to you?",
        "Comment jugez-vous la qualité des soins de santé qui vous sont accessibles ?",
    ),
    _rss(
        "select_one quality5",
        "soc_water_access",
        "How would you rate your access to safe drinking water?",
        "Comment jugez-vous votre accès à l'eau potable ?",
    ),
    _rss(
        "select_one quality5",
        "soc_justice_access",
        "How would you rate your access to justice and law enforcement (police, gendarmerie, "
        "courts) if you needed them?",
        "Comment jugez-vous votre accès à la justice et aux forces de l'ordre (police, "
        "gendarmerie, tribunaux) en cas de besoin ?",
    ),
    _rss(
        "select_one yn_good",
        "soc_id_document",
        "Do you have at least one identity document (ID card, NINA card, passport, birth "
        "certificate…)?",
        "Avez-vous au moins une pièce d'identité (carte d'identité, carte NINA, passeport, acte de "
        "naissance…) ?",
    ),
]

RSS_PSYCHOSOCIAL: list[Row] = [
    _rss(
        "select_one freq_good",
        "psy_social_activities",
        "How often are you invited to, or do you take part in, social activities in your community "
        "(weddings, baptisms, celebrations, associations)?",
        "À quelle fréquence êtes-vous invité(e) à des activités sociales de votre communauté, ou y "
        "participez-vous (mariages, baptêmes, fêtes, associations) ?",
    ),
    _rss(
        "select_one yn_good",
        "psy_support_network",
        "If you needed help, could you count on people around you (family, friends, community) to "
        "support you?",
        "Si vous aviez besoin d'aide, pourriez-vous compter sur le soutien de votre entourage "
        "(famille, amis, communauté) ?",
    ),
    _rss(
        "select_one yn_good",
        "psy_belonging",
        "Do you feel that you are part of the community where you live now?",
        "Avez-vous le sentiment de faire partie de la communauté où vous vivez actuellement ?",
    ),
    _rss(
        "select_one safe5",
        "psy_safety",
        "How safe do you and your family feel during everyday activities outside your home?",
        "Dans quelle mesure vous sentez-vous en sécurité, vous et votre famille, dans vos "
        "activités quotidiennes en dehors de chez vous ?",
    ),
    _rss(
        "select_one freq_bad",
        "psy_family_tension",
        "Since your return, how often have you had tension or conflict with your family?",
        "Depuis votre retour, à quelle fréquence avez-vous eu des tensions ou des conflits avec "
        "votre famille ?",
    ),
    _rss(
        "select_one yn_bad",
        "psy_discrimination",
        "Since your return, have you felt discriminated against?",
        "Depuis votre retour, vous êtes-vous senti(e) victime de discrimination ?",
    ),
    _rss(
        "select_multiple distress",
        "psy_distress",
        "Do you often suffer from any of the following feelings?",
        "Ressentez-vous souvent l'un des sentiments suivants ?",
        hint=(
            "Read the options. Tick all that apply.",
            "Lire les réponses. Cocher toutes celles qui s'appliquent.",
        ),
        constraint=only("none", "refuse"),
        constraint_message=(
            "'None of these' and 'Refuses to answer' cannot be combined with other answers.",
            "« Aucun de ces sentiments » et « Refuse de répondre » ne peuvent pas être combinés "
            "avec d'autres réponses.",
        ),
        sensitive=True,
    ),
    _rss(
        "select_one yn_bad",
        "psy_wants_support",
        "Would you like to receive specialised psychological support?",
        "Souhaiteriez-vous bénéficier d'un soutien psychologique spécialisé ?",
        sensitive=True,
    ),
    _rss(
        "select_one yn_good",
        "psy_able_to_stay",
        "Do you feel able to stay and build your life in Mali?",
        "Avez-vous le sentiment de pouvoir rester et construire votre vie au Mali ?",
    ),
]

DISTRESS_PREVIEW = (
    "if(count-selected(${psy_distress}) = 0 or selected(${psy_distress}, 'refuse'), '', "
    "if(selected(${psy_distress}, 'none'), 1, "
    f"round(1 - count-selected(${{psy_distress}}) div {DISTRESS_SIGNS}, 2)))"
)


def _mean_score(items: list[Row], extra: tuple[str, ...] = ()) -> str:
    """Unweighted mean of the answered, scored items (missing answers are skipped)."""
    numerators, counts = [], []
    for row in items:
        kind, _, list_name = row["type"].partition(" ")
        first = CHOICES[list_name][0] if kind == "select_one" else ()
        if len(first) < 4 or "score" not in first[3]:
            continue
        item = f"instance('{list_name}')/root/item[name = ${{{row['name']}}} and score != '']"
        # XPath's sum() of no node is 0, but ODK Web Forms 0.22 makes it NaN, which blanked
        # the whole preview as soon as one answer had no score: each term counts 0 itself.
        numerators.append(f"if(count({item}) = 0, 0, sum({item}/score))")
        counts.append(f"count({item})")
    for ref in extra:
        numerators.append(f"number(coalesce({ref}, 0))")
        counts.append(f"if({ref} = '', 0, 1)")
    n, s = " + ".join(counts), " + ".join(numerators)
    return f"if(({n}) = 0, '', round(({s}) div ({n}), 2))"


FOLLOWUP_SURVEY: list[Row] = [
    q("start", "start"),
    q("end", "end"),
    q("today", "today"),
    q("deviceid", "deviceid"),
    q("username", "username"),
    # -- returnee -------------------------------------------------------------------------------
    q(
        "select_one_from_file returnees.csv",
        "returnee",
        ("Returnee", "Migrant(e) de retour"),
        hint=(
            "Type part of the name or of the case number.",
            "Saisir une partie du nom ou du numéro de dossier.",
        ),
        required=YES,
        appearance="autocomplete",
    ),
    q(
        "calculate",
        "rt_full_name",
        calculation=f"concat({_entity('first_name')}, ' ', {_entity('last_name')})",
        sensitive=True,
    ),
    q("calculate", "rt_case_number", calculation=_entity("case_number")),
    q("calculate", "rt_dob", calculation=_entity("dob"), sensitive=True),
    q("calculate", "rt_registration_date", calculation=_entity("registration_date")),
    q("calculate", "prev_phone", calculation=_entity("phone"), sensitive=True),
    q("calculate", "prev_region", calculation=_entity("region")),
    q("calculate", "prev_cercle", calculation=_entity("cercle")),
    q("calculate", "prev_commune", calculation=_entity("commune")),
    q("calculate", "prev_followup_count", calculation=f"coalesce({_entity('followup_count')}, 0)"),
    q("calculate", "prev_followup_date", calculation=_entity("last_followup_date")),
    q("calculate", "prev_followup_round", calculation=_entity("last_followup_round")),
    q(
        "note",
        "returnee_card",
        (
            "Case ${rt_case_number}: ${rt_full_name}, born ${rt_dob}, registered "
            "${rt_registration_date}. Follow-up interviews so far: ${prev_followup_count}.",
            "Dossier ${rt_case_number} : ${rt_full_name}, né(e) le ${rt_dob}, enregistré(e) le "
            "${rt_registration_date}. Entretiens de suivi déjà réalisés : ${prev_followup_count}.",
        ),
    ),
    q(
        "select_one yes_no",
        "identity_confirmed",
        (
            "Is this the case of the person you are visiting (name, date of birth and case number "
            "match)?",
            "S'agit-il bien du dossier de la personne visitée (le nom, la date de naissance et le "
            "numéro de dossier correspondent) ?",
        ),
        required=YES,
    ),
    q(
        "note",
        "wrong_person_note",
        (
            "Go back and select the right person. If they are not in the list, stop and inform the "
            "case manager.",
            "Revenir en arrière et choisir la bonne personne. Si elle n'est pas dans la liste, "
            "arrêter et informer le gestionnaire de cas.",
        ),
        relevant="${identity_confirmed} = 'no'",
    ),
    # -- visit ----------------------------------------------------------------------------------
    q("begin_group", "visit", ("Visit", "Visite"), relevant="${identity_confirmed} = 'yes'"),
    q(
        "text",
        "enumerator",
        ("Enumerator's name", "Nom de l'enquêteur ou de l'enquêtrice"),
        required=YES,
    ),
    q(
        "date",
        "visit_date",
        ("Date of the visit", "Date de la visite"),
        required=YES,
        # Today, set once the enumerator's name (the question above) is entered: the group is
        # not relevant when the form loads, and ODK Web Forms drops a default given at load
        # (odk-instance-first-load) to a question that is not relevant then, and a value set
        # by a question outside the group before it becomes relevant. A trigger inside the
        # group works on Collect and Web Forms alike, and keeps a date already entered.
        calculation="coalesce(${visit_date}, today())",
        trigger="${enumerator}",
        constraint=(
            ". <= today() and . >= date('2017-01-01') and (${rt_registration_date} = '' or "
            "decimal-date-time(string(.)) >= decimal-date-time(string(${rt_registration_date})))"
        ),
        constraint_message=VISIT_DATE_MSG,
    ),
    q(
        "select_one round",
        "followup_round",
        ("Follow-up round", "Étape du suivi"),
        hint=(
            "Last round recorded: ${prev_followup_round}",
            "Dernière étape enregistrée : ${prev_followup_round}",
        ),
        required=YES,
    ),
    q(
        "select_one visit_mode",
        "visit_mode",
        ("How is the follow-up done?", "Comment le suivi est-il réalisé ?"),
        required=YES,
    ),
    q(
        "select_one visit_outcome",
        "visit_outcome",
        ("Outcome of the visit", "Résultat de la visite"),
        required=YES,
    ),
    q(
        "text",
        "visit_outcome_other",
        ("Other outcome", "Autre résultat"),
        required=YES,
        relevant="${visit_outcome} = 'other'",
    ),
    q(
        "select_one yes_no",
        "consent_followup",
        (
            "Read to the person: we would like to ask you about your life since your return, to "
            "see how the programme can help. Your answers are confidential and you may stop at any "
            "time. Do you agree to answer?",
            "À lire à la personne : nous aimerions vous poser des questions sur votre vie depuis "
            "votre retour, pour voir comment le programme peut vous aider. Vos réponses sont "
            "confidentielles et vous pouvez arrêter à tout moment. Acceptez-vous de répondre ?",
        ),
        required=YES,
        relevant="${visit_outcome} = 'completed'",
    ),
    end(),
    q(
        "calculate",
        "interview_ok",
        calculation=(
            "if(${identity_confirmed} = 'yes' and ${visit_outcome} = 'completed' and "
            "${consent_followup} = 'yes', 'yes', 'no')"
        ),
    ),
    # -- contact and location update ------------------------------------------------------------
    q("begin_group", "contact_update", ("Contact details", "Coordonnées"), relevant=INTERVIEW_OK),
    q(
        "select_one yes_no",
        "phone_changed",
        (
            "Phone number on file: ${prev_phone}. Has it changed?",
            "Numéro de téléphone enregistré : ${prev_phone}. A-t-il changé ?",
        ),
        required=YES,
    ),
    q(
        "text",
        "new_phone",
        ("New phone number", "Nouveau numéro de téléphone"),
        required=YES,
        relevant="${phone_changed} = 'yes'",
        appearance="numbers",
        constraint="regex(., '^([0-9]{8}|[+][0-9]{8,15})$')",
        constraint_message=(
            "8 digits, or + followed by 8 to 15 digits, without spaces.",
            "8 chiffres, ou + suivi de 8 à 15 chiffres, sans espace.",
        ),
        sensitive=True,
    ),
    q(
        "select_one yes_no",
        "location_changed",
        (
            "Has the person moved to another commune since the last visit?",
            "La personne a-t-elle déménagé dans une autre commune depuis la dernière visite ?",
        ),
        required=YES,
    ),
    q(
        "select_one region",
        "new_region",
        ("New region", "Nouvelle région"),
        required=YES,
        relevant="${location_changed} = 'yes'",
    ),
    q(
        "select_one cercle",
        "new_cercle",
        ("New cercle", "Nouveau cercle"),
        required=YES,
        relevant="${location_changed} = 'yes'",
        choice_filter="region = ${new_region} or name = 'other'",
    ),
    q(
        "select_one commune",
        "new_commune",
        ("New commune", "Nouvelle commune"),
        required=YES,
        relevant="${location_changed} = 'yes'",
        choice_filter="cercle = ${new_cercle} or name = 'other'",
    ),
    q(
        "text",
        "new_commune_other",
        (
            "Name of the commune (and of the cercle if not listed)",
            "Nom de la commune (et du cercle s'il n'est pas dans la liste)",
        ),
        required=YES,
        relevant="${new_commune} = 'other'",
    ),
    q(
        "text",
        "new_locality",
        ("Village or neighbourhood (quartier)", "Village ou quartier"),
        required=YES,
        relevant="${location_changed} = 'yes'",
        sensitive=True,
    ),
    end(),
    # Values written back to the returnee entity (save_to): unchanged unless updated here.
    q(
        "calculate",
        "cur_phone",
        calculation="if(${phone_changed} = 'yes', ${new_phone}, ${prev_phone})",
        save_to="phone",
        sensitive=True,
    ),
    q(
        "calculate",
        "cur_region",
        calculation="if(${location_changed} = 'yes', ${new_region}, ${prev_region})",
        save_to="region",
    ),
    q(
        "calculate",
        "cur_cercle",
        calculation="if(${location_changed} = 'yes', ${new_cercle}, ${prev_cercle})",
        save_to="cercle",
    ),
    q(
        "calculate",
        "cur_commune",
        calculation="if(${location_changed} = 'yes', ${new_commune}, ${prev_commune})",
        save_to="commune",
    ),
    q(
        "calculate",
        "followup_count",
        calculation=(
            "if(${interview_ok} = 'yes', ${prev_followup_count} + 1, ${prev_followup_count})"
        ),
        save_to="followup_count",
    ),
    q(
        "calculate",
        "last_followup_date",
        calculation="if(${interview_ok} = 'yes', ${visit_date}, ${prev_followup_date})",
        save_to="last_followup_date",
    ),
    q(
        "calculate",
        "last_followup_round",
        calculation="if(${interview_ok} = 'yes', ${followup_round}, ${prev_followup_round})",
        save_to="last_followup_round",
    ),
    q("calculate", "last_visit_date", calculation="${visit_date}", save_to="last_visit_date"),
    q(
        "calculate",
        "last_visit_outcome",
        calculation="${visit_outcome}",
        save_to="last_visit_outcome",
    ),
    # -- Reintegration Sustainability Survey ----------------------------------------------------
    q(
        "begin_group",
        "rss_economic",
        ("Economic situation", "Situation économique"),
        relevant=INTERVIEW_OK,
    ),
    *RSS_ECONOMIC,
    end(),
    q(
        "begin_group",
        "rss_social",
        ("Social situation", "Situation sociale"),
        relevant=INTERVIEW_OK,
    ),
    *RSS_SOCIAL,
    end(),
    q(
        "begin_group",
        "rss_psychosocial",
        ("Psychosocial well-being", "Bien-être psychosocial"),
        relevant=INTERVIEW_OK,
    ),
    *RSS_PSYCHOSOCIAL,
    q(
        "note",
        "psy_support_alert",
        (
            "The person would like psychological support: record it below and refer them.",
            "La personne souhaite un soutien psychologique : le noter ci-dessous et l'orienter.",
        ),
        relevant="${psy_wants_support} = 'yes'",
    ),
    end(),
    q("begin_group", "rss_preview", ("Score preview", "Aperçu des scores"), relevant=INTERVIEW_OK),
    q("calculate", "distress_score_preview", calculation=DISTRESS_PREVIEW, sensitive=True),
    q("calculate", "preview_economic", calculation=_mean_score(RSS_ECONOMIC)),
    q("calculate", "preview_social", calculation=_mean_score(RSS_SOCIAL)),
    q(
        "calculate",
        "preview_psychosocial",
        calculation=_mean_score(RSS_PSYCHOSOCIAL, extra=("${distress_score_preview}",)),
    ),
    q(
        "note",
        "preview_note",
        (
            "Indicative scores (0 = worst, 1 = best), unweighted: economic ${preview_economic}, "
            "social ${preview_social}, psychosocial ${preview_psychosocial}. The official score is "
            "computed by the server with the weights of the Reintegration Handbook.",
            "Scores indicatifs (0 = le plus faible, 1 = le meilleur), non pondérés : économique "
            "${preview_economic}, social ${preview_social}, psychosocial ${preview_psychosocial}. "
            "Le score officiel est calculé par le serveur avec les pondérations du manuel sur la "
            "réintégration.",
        ),
    ),
    end(),
    # -- psychosocial support received ----------------------------------------------------------
    q(
        "begin_group",
        "psychosocial_support",
        ("Psychosocial support received", "Soutien psychosocial reçu"),
        relevant=INTERVIEW_OK,
    ),
    q(
        "select_one yes_no_refuse",
        "pss_received",
        (
            "Since the last visit (or since return), has the person received psychosocial support?",
            "Depuis la dernière visite (ou depuis le retour), la personne a-t-elle reçu un soutien "
            "psychosocial ?",
        ),
        required=YES,
        sensitive=True,
    ),
    q(
        "select_multiple pss_type",
        "pss_type",
        ("What kind of support?", "Quel type de soutien ?"),
        required=YES,
        relevant="${pss_received} = 'yes'",
        sensitive=True,
    ),
    q(
        "text",
        "pss_type_other",
        ("Other kind of support", "Autre type de soutien"),
        required=YES,
        relevant="selected(${pss_type}, 'other')",
        sensitive=True,
    ),
    q(
        "select_one pss_provider",
        "pss_provider",
        ("Who provided it (main provider)?", "Qui l'a fourni (principal intervenant) ?"),
        required=YES,
        relevant="${pss_received} = 'yes'",
        sensitive=True,
    ),
    q(
        "integer",
        "pss_sessions",
        ("Number of sessions attended", "Nombre de séances suivies"),
        required=YES,
        relevant="${pss_received} = 'yes'",
        constraint=". >= 1 and . <= 100",
        constraint_message=("Between 1 and 100.", "Entre 1 et 100."),
        sensitive=True,
    ),
    q(
        "select_one sat5",
        "pss_satisfaction",
        (
            "How satisfied is the person with this support?",
            "La personne est-elle satisfaite de ce soutien ?",
        ),
        required=YES,
        relevant="${pss_received} = 'yes'",
        sensitive=True,
    ),
    end(),
    # -- assistance received --------------------------------------------------------------------
    q(
        "begin_group",
        "assistance_received",
        ("Assistance received", "Assistance reçue"),
        relevant=INTERVIEW_OK,
    ),
    q(
        "select_multiple assistance",
        "assistance",
        (
            "Since the last visit (or since return), what assistance has the person received?",
            "Depuis la dernière visite (ou depuis le retour), quelle assistance la personne "
            "a-t-elle reçue ?",
        ),
        required=YES,
        constraint=only("none"),
        constraint_message=(
            "'None' cannot be combined with other answers.",
            "« Aucune » ne peut pas être combiné avec d'autres réponses.",
        ),
    ),
    q(
        "integer",
        "assistance_cash_xof",
        ("Cash received (FCFA)", "Montant reçu en espèces (FCFA)"),
        required=YES,
        relevant="selected(${assistance}, 'cash')",
        constraint=". > 0 and . <= 10000000",
        constraint_message=XOF_MSG,
    ),
    q(
        "integer",
        "assistance_in_kind_xof",
        ("Value of in-kind assistance (FCFA)", "Valeur de l'assistance en nature (FCFA)"),
        hint=("An estimate is fine.", "Une estimation suffit."),
        required=YES,
        relevant="selected(${assistance}, 'in_kind')",
        constraint=". > 0 and . <= 10000000",
        constraint_message=XOF_MSG,
    ),
    q(
        "select_one business_status",
        "business_status",
        ("How is the supported business doing?", "Où en est l'activité soutenue ?"),
        required=YES,
        relevant="selected(${assistance}, 'business')",
    ),
    q(
        "select_one sat5",
        "assistance_satisfaction",
        (
            "How satisfied is the person with the assistance?",
            "La personne est-elle satisfaite de l'assistance reçue ?",
        ),
        required=YES,
        relevant="count-selected(${assistance}) > 0 and not(selected(${assistance}, 'none'))",
    ),
    end(),
    # -- closing --------------------------------------------------------------------------------
    q(
        "select_one yes_no",
        "urgent_concern",
        (
            "Did anything in this interview suggest an urgent risk (self-harm, violence, serious "
            "illness)?",
            "Quelque chose dans cet entretien laisse-t-il penser à un risque urgent "
            "(automutilation, violence, maladie grave) ?",
        ),
        hint=(
            "If yes, follow the referral procedure and inform the case manager today.",
            "Si oui, suivre la procédure de référencement et informer le gestionnaire de cas "
            "aujourd'hui.",
        ),
        required=YES,
        relevant=INTERVIEW_OK,
        sensitive=True,
    ),
    q(
        "geopoint",
        "visit_location",
        ("GPS location of the visit", "Position GPS de la visite"),
        hint=(
            "Take it outdoors if you can, and wait until the accuracy is under 20 m.",
            "La prendre à l'extérieur si possible, et attendre une précision inférieure à 20 m.",
        ),
        relevant="${identity_confirmed} = 'yes' and ${visit_mode} = 'in_person'",
        sensitive=True,
    ),
    q(
        "note",
        "closing_note",
        ("Thank the person and end the visit.", "Remercier la personne et terminer la visite."),
        relevant=INTERVIEW_OK,
    ),
]

FOLLOWUP_ENTITIES: list[Row] = [
    {
        "list_name": "returnees",
        "entity_id": "${returnee}",
        "update_if": "${identity_confirmed} = 'yes'",
    }
]

FOLLOWUP_SETTINGS: Row = {
    "form_id": "reintegration_followup",
    "version": "2026120201",
    "form_title": "Reintegration follow-up / Suivi de la réintégration",
    "default_language": "English (en)",
    "instance_name": "concat(${rt_case_number}, ' ', ${followup_round}, ' ', ${visit_date})",
    "namespaces": BAOBAB_NAMESPACE,
}

FORMS: dict[str, tuple[list[Row], list[Row], Row]] = {
    "returnee_intake": (INTAKE_SURVEY, INTAKE_ENTITIES, INTAKE_SETTINGS),
    "reintegration_followup": (FOLLOWUP_SURVEY, FOLLOWUP_ENTITIES, FOLLOWUP_SETTINGS),
}

# ---------------------------------------------------------------------------------------------
# Spreadsheet writing
# ---------------------------------------------------------------------------------------------
SURVEY_COLUMNS = (
    "type",
    "name",
    "label",
    "hint",
    "required",
    "relevant",
    "constraint",
    "constraint_message",
    "calculation",
    "trigger",
    "choice_filter",
    "appearance",
    "parameters",
    "default",
    "repeat_count",
    "save_to",
    "sensitive",
)
TRANSLATED = {"label", "hint", "constraint_message"}
WIDE = {"label", "hint", "constraint_message", "calculation", "relevant", "constraint"}


def survey_table(rows: list[Row]) -> tuple[list[str], list[list[Any]]]:
    unknown = {key for row in rows for key in row} - set(SURVEY_COLUMNS)
    if unknown:
        raise ValueError(f"unknown survey columns: {sorted(unknown)}")
    used = [c for c in SURVEY_COLUMNS if any(c in row for row in rows)]
    header: list[str] = []
    for column in used:
        if column in TRANSLATED:
            header += [f"{column}::{lang}" for lang in LANGUAGES]
        elif column == "sensitive":
            header.append(SENSITIVE_COLUMN)
        else:
            header.append(column)
    body = []
    for row in rows:
        cells: list[Any] = []
        for column in used:
            value = row.get(column)
            if column in TRANSLATED:
                if value is not None and (len(value) != 2 or not all(value)):
                    raise ValueError(f"{row.get('name')}: {column} needs English and French")
                cells += list(value) if value else [None, None]
            elif column == "sensitive":
                cells.append(SENSITIVE_VALUE if value else None)
            else:
                cells.append(value)
        body.append(cells)
    return header, body


def used_lists(rows: list[Row]) -> list[str]:
    names: list[str] = []
    for row in rows:
        kind, _, list_name = row["type"].partition(" ")
        if kind in ("select_one", "select_multiple") and list_name not in names:
            names.append(list_name)
    return names


def choices_table(list_names: list[str]) -> tuple[list[str], list[list[Any]]]:
    extras: list[str] = []
    for list_name in list_names:
        for choice in CHOICES[list_name]:
            for key in choice[3] if len(choice) > 3 else {}:
                if key not in extras:
                    extras.append(key)
    header = ["list_name", "name", *(f"label::{lang}" for lang in LANGUAGES), *extras]
    body = []
    for list_name in list_names:
        names = [choice[0] for choice in CHOICES[list_name]]
        if len(set(names)) != len(names):
            raise ValueError(f"duplicate choice name in list {list_name}")
        for choice in CHOICES[list_name]:
            name, en, fr = choice[:3]
            extra = choice[3] if len(choice) > 3 else {}
            body.append([list_name, name, en, fr, *(extra.get(k) for k in extras)])
    return header, body


def dict_table(rows: list[Row]) -> tuple[list[str], list[list[Any]]]:
    header = list(dict.fromkeys(key for row in rows for key in row))
    return header, [[row.get(key) for key in header] for row in rows]


def add_sheet(wb: Workbook, title: str, table: tuple[list[str], list[list[Any]]]) -> None:
    header, body = table
    ws = wb.create_sheet(title)
    ws.append(header)
    for cells in body:
        ws.append(cells)
    for cell in ws[1]:
        cell.font = Font(bold=True)
    ws.freeze_panes = "A2"
    for index, column in enumerate(header, start=1):
        base = column.split("::")[0]
        width = 60 if base in WIDE else 30 if base in ("type", "name", "list_name") else 16
        ws.column_dimensions[get_column_letter(index)].width = width
        if base in WIDE:
            for row in ws.iter_rows(min_row=2, min_col=index, max_col=index):
                row[0].alignment = Alignment(wrap_text=True, vertical="top")


def build_workbook(form_id: str) -> bytes:
    survey, entities, settings = FORMS[form_id]
    if settings.get("form_id") != form_id or not settings.get("version"):
        raise ValueError(f"{form_id}: every form in forms/ needs settings form_id and version")
    wb = Workbook()
    wb.remove(wb.active)
    add_sheet(wb, "survey", survey_table(survey))
    add_sheet(wb, "choices", choices_table(used_lists(survey)))
    add_sheet(wb, "settings", dict_table([settings]))
    add_sheet(wb, "entities", dict_table(entities))
    wb.properties.creator = "Baobab scripts/build_forms.py"
    wb.properties.title = settings["form_title"]
    wb.properties.created = FIXED_DATE
    wb.properties.modified = FIXED_DATE
    raw = io.BytesIO()
    with zipfile.ZipFile(raw, "w", zipfile.ZIP_DEFLATED) as archive:
        ExcelWriter(wb, archive).save()  # unlike wb.save(), keeps our `modified` date
    # Re-pack with fixed member timestamps so the bytes are the same on every run.
    out = io.BytesIO()
    with zipfile.ZipFile(raw) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            member = zipfile.ZipInfo(info.filename, date_time=FIXED_DATE.timetuple()[:6])
            member.compress_type = zipfile.ZIP_DEFLATED
            member.external_attr = 0o644 << 16
            dst.writestr(member, src.read(info.filename))
    return out.getvalue()


def validate(path: Path) -> list[str]:
    from pyxform.xls2xform import convert  # imported late: building needs only openpyxl

    return list(convert(str(path), validate=True).warnings)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--validate", action="store_true", help="also convert with pyxform and run ODK Validate"
    )
    args = parser.parse_args(argv)
    FORMS_DIR.mkdir(exist_ok=True)
    for form_id in FORMS:
        path = FORMS_DIR / f"{form_id}.xlsx"
        path.write_bytes(build_workbook(form_id))
        print(f"wrote {path.relative_to(FORMS_DIR.parent)}")
        if args.validate:
            for warning in validate(path):
                print(f"  warning: {warning}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Text normalisation for intent classification: folded text and language-neutral cue tokens.

`normalise` lower-cases, strips accents and squeezes letters typed three or more times.
`cue_tokens` adds tokens every language shares: message length, question mark, and concepts
from `CONCEPTS`, a small multilingual word list (es, en, pt, fr, ht) that lets an example in
one language teach the classifier about the same idea in the others ("pasaporte",
"passport", "passaporte", "passeport", "paspò" all give `c_passport`).
"""

from __future__ import annotations

import re

from helpline_nlu.text import fold

_REPEATS = re.compile(r"(\w)\1{2,}")
_SPACES = re.compile(r"\s+")
_WORD = re.compile(r"\w+")

# Word stems (a trailing * matches any ending) and phrases, accent-free and lower-case.
CONCEPTS: dict[str, tuple[str, ...]] = {
    "doctor": (
        "medic*", "doctor*", "dokte*", "docteur*", "medecin*", "dentist*", "dantis*", "psicolog*",
        "psycholog*", "sikolog*",
    ),
    "hospital": (
        "tarjeta sanitaria", "carte vitale", "eco", "ecograf*", "ultrassom*", "ultrasound*",
        "inhalador*", "inhaler*",
        "upa", "ubs", "utente", "sns", "gp", "essalud", "eps", "sisben", "ramq", "pami", "ame",
        "cesfam", "posto", "consultorio*", "dispensaire*", "dispansè",
        "hospital*", "hopital*", "lopital*", "clinic*", "clinica*", "klinik*", "centro de salud*",
        "centro de saude", "posto de saude", "sant sante", "emergencia*", "urgencias",
    ),
    "sick": (
        "enferm*", "malad*", "sick", "ill", "doente*", "fiebre", "febre", "fievre", "fever",
        "lafyev*", "dolor", "dor", "douleur", "pain", "doule*", "infec*", "enfeks*", "diabet*",
        "dyabet*", "hiv", "vih", "sida", "tratamiento*", "tratamento*", "traitement*", "tretman*",
    ),
    "medicine": (
        "medicament*", "medicamento*", "medicine*", "medication*", "pill*", "pilul*", "pilil*",
        "pastilla*", "remedio*", "medikaman*", "farmac*", "pharmac*", "famasi*", "receta*",
        "prescri*", "preskri*",
    ),
    "pregnant": (
        "contracep*", "avort*", "abort*", "aborto*", "cesar*",
        "embaraz*", "pregnan*", "gravid*", "enceinte*", "ansent*", "gwoses*", "prenatal*", "parto",
        "accouch*", "akouch*", "matern*", "maten*",
    ),
    "vaccine": (
        "vacun*", "vaccin*", "vacin*", "vaksen*",
    ),
    "insurance": (
        "seguro medico", "sus", "fonasa", "sis", "insurance", "assurance", "asirans*",
        "cartao do sus",
    ),
    "school": (
        "escuela*", "colegio*", "school*", "escola*", "ecole*", "lekol*", "liceo*", "lycee*",
        "kindergarten", "creche*", "jardin*", "guarderia*",
    ),
    "enrol": (
        "matricul*", "inscri*", "enrol*", "enskri*", "cupo*", "vaga", "vagas",
    ),
    "study": (
        "eja", "encceja", "prouni", "supletivo*", "senai", "pronatec", "serie", "ensino",
        "primaria", "secundaria", "preparatoria", "prepa", "icfes", "sep", "apostill*",
        "transcript*", "boletin*", "historico escolar", "francisation", "formation*",
        "bolsa de estudo*", "beca*", "bourse*",
        "aprann*", "aprend*", "learn*", "apprend*", "li ak ekri", "leer y escribir",
        "ler e escrever", "lire et ecrire", "egzamen*", "exam*", "examen*", "enem", "prova*",
        "bak", "bac",
        "estudi*", "study*", "studies", "studying", "estud*", "etudi*", "etid*", "univers*",
        "curso*", "course*", "cours", "alfabetiz*", "alphab*", "diploma*", "diplom*", "titulo*",
        "bachiller*", "homolog*", "revalid*",
    ),
    "teacher": (
        "maestr*", "teacher*", "professeur*", "profesor*", "professor*", "pwofese*", "clase*",
        "class*", "aula*", "klas",
    ),
    "child": (
        "hijo*", "hija*", "nino*", "nina*", "child*", "kid*", "kids", "son", "daughter", "filho*",
        "filha*", "crianca*", "enfant*", "fils", "fille", "pitit*", "timoun*", "menor*", "minor*",
        "bebe*", "baby",
    ),
    "embassy": (
        "konsil*",
        "travel document", "laissez passer", "salvoconducto*", "lese pase",
        "embaja*", "embass*", "embaix*", "ambassad*", "anbasad*", "consul*", "konsila*",
        "konsula*",
    ),
    "passport": (
        "pasaport*", "passport*", "passaport*", "passeport*", "paspo*",
    ),
    "lost": (
        "perdi*", "lost", "lose", "perdu*", "pedi*", "robaron", "robado*", "stolen", "stole",
        "roubad*", "roubaram", "vole", "vole",
    ),
    "expired": (
        "vencid*", "venci*", "expir*", "caduc*", "perime*", "ekspire*", "fini",
    ),
    "id_doc": (
        "cedula*", "dni", "rg", "cpf", "curp", "identidad*", "identity", "identidade", "identite",
        "idantite", "idantifikasyon*", "acta de nacimiento", "birth certificate", "certidao*",
        "akt nesans*", "batiste*", "extrait de naissance",
    ),
    "papers": (
        "papel*", "papers", "papeis", "papiers", "papye*", "document*", "dokiman*", "docs",
    ),
    "visa": (
        "visa*", "visto*", "viza*",
    ),
    "permit": (
        "permiso*", "permit*", "permis", "pemi*", "autoriza*", "authoriz*", "carte de sejour",
        "residen*", "rezidan*", "sejou*", "estancia*", "estadia*",
    ),
    "regularise": (
        "statut*", "dossier*", "expediente*", "processo*", "case status", "mon dossier",
        "rnm", "crnm", "sismigra", "migraciones", "pep", "ptp", "cedula de extranjeria",
        "carne de extranjeria", "nie", "tie", "arraigo", "uscis", "ircc", "inm", "sef", "aima",
        "pfsi", "manifestacao de interesse", "indeferi*", "recurso*", "appeal*", "recours*",
        "ppt", "overstay*", "reunific*", "reagrup*", "regroupement", "rejwenn fanmi", "residency",
        "tarjeta de residencia",
        "regulariz*", "regularis*", "regilariz*", "legaliz*", "amnist*", "tps", "daca",
        "green card", "renov*", "renew*", "renouvel*", "renouvl*", "prolong*", "prolonj*",
        "estatus*", "status", "estati*",
    ),
    "deport": (
        "deport*", "expuls*", "depote*", "rapatri*", "devolv*", "devolver",
    ),
    "asylum": (
        "sisconare", "conare", "credible fear", "comar", "ofpra", "non refoulement",
        "asilo*", "asylum*", "asile*", "azil*", "refugiad*", "refugie*", "refugee*", "refijye*",
        "refuj*",
        "protec*", "protek*", "conare", "comar", "ofpra", "cnda", "acnur", "unhcr",
    ),
    "persecution": (
        "credible fear", "miedo creible", "protest*", "manifest*", "opposit*", "opositor*",
        "politic*", "lgbt*", "gay", "trans", "homosex*",
        "persegu*", "persecut*", "persecu*", "pesekis*", "amenaz*", "threat*", "menac*", "amea*",
        "menas*", "mata*", "kill*", "tuer", "tue", "touye*", "matar",
    ),
    "go_back": (
        "regresar", "volver", "regreso", "return", "go back", "retourner", "rentrer", "tounen",
        "voltar", "retornar",
    ),
    "gang": (
        "chimere*", "chime", "bandi*", "bandit*",
        "mara", "maras", "pandill*", "gang*", "faccao*", "milic*", "guerrill*", "cartel*",
        "narco*", "extors*",
    ),
    "wages": (
        "vakans",
        "paie*", "prime*", "conge*", "bono*", "bonus*",
        "fgts", "aviso previo", "ferias", "vacaciones", "vacation*", "conges", "aguinaldo",
        "decimo terceiro", "13o", "prima", "cesantia*", "clt",
        "tips", "propina*", "gorjeta*", "pourboire*", "paycheck", "cheque*", "fiche de paie",
        "holerite*", "owes", "debe", "doit",
        "salario*", "sueldo*", "salary*", "wage*", "wages", "salaire*", "pago*", "pagar*",
        "pagaron", "pagam*", "paid", "pay", "payment", "paye*", "peye*", "pagamento*", "quincena*",
        "rescis*", "liquidac*", "indemn*", "finiquito*",
    ),
    "boss": (
        "jefe*", "patron*", "boss*", "chefe*", "patrao*", "patwon*", "employer*", "empleador*",
        "empregador*", "employeur*", "manager*", "gerente*", "dueno*",
    ),
    "job": (
        "union", "sindicat*", "syndicat*", "sendika*", "supervisor*", "capataz*", "contractor*",
        "contratista*", "hire*", "contrat*", "entrevist*", "interview*",
        "trabaj*", "work*", "job*", "trabalh*", "travail*", "travay*", "emple*", "empreg*",
        "emploi*", "chamba*", "faena*", "obra*", "usine*", "fabrica*", "fabri*", "factory*",
        "fazenda*", "finca*", "granja*", "farm*",
    ),
    "fired": (
        "despid*", "fired", "demiti*", "licenci*", "renvoy*", "revoke*", "layoff*", "dismiss*",
    ),
    "hours": (
        "horas*", "hours*", "heures*", "extras", "overtime", "ot", "turno*", "shift*", "jornada*",
    ),
    "contract": (
        "contrat*", "contract*", "kontra*", "carteira*", "registro*", "formal*",
    ),
    "pension": (
        "rente*",
        "pension*", "jubila*", "retire*", "aposent*", "retraite*", "pansyon*", "retret*", "vejez*",
        "viejo*",
    ),
    "social_security": (
        "cnis", "bpc", "loas", "auxilio doenca", "auxilio acidente", "salario maternidade",
        "certificado de deslocamento", "dattai", "ssa", "cpp", "rrq", "afore*", "fonasa", "ips",
        "essalud", "colpensiones", "ivss", "onp", "anses",
        "afp", "totaliz*", "ssi", "medicare", "itin", "impuesto*", "taxes", "tax", "imposto*",
        "impot*", "enpo",
        "cotiza*", "contribu*", "aporte*", "cotisation*", "kotiza*", "seguro social",
        "seguridad social", "securite sociale", "social security", "seguridade social",
        "previdencia", "inss", "imss", "iess", "sekirite sosyal*", "convenio*", "convention*",
        "acuerdo bilateral*", "desempleo", "unemployment", "desemprego", "chomage", "chomaj*",
        "subsid*", "beneficio*", "benefit*", "allocation*", "alokasyon*",
    ),
    "violence": (
        "bleus", "blesse par mon", "me toucher", "tocar*", "toucher", "manyen*", "apalpa*",
        "grope*", "touch*",
        "orden de alejamiento", "relaciones", "a cambio",
        "maria da penha", "medida protetiva", "medida de proteccion", "orden de proteccion",
        "ordonnance de protection", "restraining order", "protection order", "delegacia da mulher",
        "180", "lod pwoteksyon",
        "bruis*", "moreton*", "hematom*", "insult*", "grit*", "scream*", "lick", "suegr*", "sogr*",
        "belle mere", "belme", "humill*", "humili*",
        "violencia*", "violence*", "violenc*", "vyolans*", "abus*", "abuse*", "maltrat*",
        "agresi*", "agress*", "harcel*", "acos*", "harass*", "assedi*", "ameaca*", "intimid*",
    ),
    "hit": (
        "kout pye", "kout pwen", "kout baton", "patad*", "chute*", "kick*",
        "golpe*", "pega*", "hit", "hits", "hitting", "beat*", "bat", "bate*", "batt*", "frappe*",
        "bat*", "kale*", "pwen*", "cacheta*", "slap*", "empurr*", "push*",
    ),
    "rape": (
        "kouche avek", "kouche ave", "coucher avec", "acostarme", "transar", "pwopozisyon malonet",
        "violac*", "violar*", "violo", "violou", "violad*", "viole*", "rape*", "raped", "estupr*",
        "vyole*", "kadejak*", "abuso sexual*", "sexual*", "sexuel*", "sex*", "seks*",
    ),
    "partner": (
        "esposo*", "esposa*", "marido*", "mujer", "pareja*", "husband*", "wife", "boyfriend*",
        "girlfriend*", "partner*", "companheir*", "mari", "conjoint*", "copain*", "copine*",
        "menaj*", "novio*", "novia*", "namorad*", "ex", "mennaj*", "madanm*", "konpayon*",
    ),
    "now": (
        "anmwe", "sekou*", "secours", "mayday", "socorr*",
        "911", "112", "190", "192", "193", "136", "117", "114", "ambulanc*", "anbilans*",
        "bomber*", "pompier*", "ponpye*",
        "ahora*", "now", "agora", "maintenant", "kounye*", "urgent*", "ijan*", "rapido*", "vite",
        "vit", "ya", "ja", "rapid*", "pronto", "socorro", "help me", "ayudenme", "auxilio",
    ),
    "dying": (
        "klowoks", "cloro", "chlore", "bleach", "lejiv", "koulev", "snake*", "serpent*", "cobra",
        "culebra*", "vibora*", "mordid*", "voltije", "pa bouje", "no se mueve", "not moving",
        "bouge plus", "reyaji", "reacciona", "pont", "puente", "ponte", "bridge",
        "sos", "apunal*", "stab*", "poignard*", "esfaque*", "ahorc*", "enforc*", "matarse",
        "suicid*", "kill myself", "me mato", "me matar", "swisid*",
        "avale*", "swallow*", "trag*",
        "muri*", "muer*", "dying", "die", "dies", "dead", "morr*", "mort*", "mourir", "meurt",
        "mouri*", "sangr*", "bleed*", "sangue", "saign*", "senyen*", "desmay*", "faint*",
        "unconscious", "inconscien*", "respira*", "breath*", "respir*", "overdos*", "envenen*",
        "poison*",
    ),
    "attack": (
        "machet*", "kout kouto", "kout zam",
        "attaq*", "etrangl*", "strangl*", "estrangul*", "trangle*", "brul*", "burn*", "queman*",
        "queim*", "blesse*", "injur*", "herid*", "ferid*",
        "armad*", "arma", "armas", "gun*", "cuchill*", "knife*", "faca*", "couteau*", "kouto*",
        "zam", "pistol*", "disparo*", "dispar*", "shot", "shoot*", "tire*", "tiro*", "balea*",
        "atac*", "attack*", "atak*", "agred*", "secuestr*", "kidnap*", "sequestr*", "kidnape*",
        "enlev*", "incendi*", "fire", "feu", "dife",
    ),
    "water_desert": (
        "ahog*", "drown*", "afog*", "noy*", "nwaye*", "desierto*", "desert*", "deze*", "rio",
        "river", "mar", "sea", "lanme*", "barco*", "boat*", "bote*", "balsa*", "rafting", "kannte",
    ),
    "police": (
        "commissariat*", "garde a vue", "carabiner*", "comisaria*", "delegacia*", "gendarmerie*",
        "station de police", "kazen*",
        "polic*", "police*", "polis*", "cops", "cop", "lapolis*", "guardia*", "guard*", "gendarm*",
        "migra", "ice", "cbp", "pf", "agents", "agentes",
    ),
    "detained": (
        "cie", "reten", "patrulla*", "juzga*", "juicio*", "trial", "proces",
        "deportacion voluntaria", "salida voluntaria", "voluntary departure",
        "selil*", "rafl*", "redada*", "raid*", "batida*",
        "arrest*", "deten*", "detain*", "preso*", "presa", "prison*", "jail*", "carcel*",
        "cadeia*", "arete*", "arret*", "prizon*", "kacho*", "celda*", "cell*", "custod*",
        "detention*", "detencion*", "detencao*", "retenu*", "interrog*", "centro de detencion*",
        "estacion*",
    ),
    "lawyer": (
        "abogad*", "lawyer*", "attorney*", "advogad*", "avocat*", "avoka*", "defensor*",
        "defensoria*", "juez*", "judge*", "juge*", "jij*", "tribunal*", "court*", "corte*",
        "audiencia*", "hearing*", "audience*", "odyans*",
    ),
    "where": (
        "donde", "dond", "where", "onde", "ou", "kote", "kot", "cerca", "near", "nearest", "close",
        "closest", "perto", "pres", "proche", "pre", "direcc*", "address*", "adres*", "endereco*",
        "ubicac*", "locali*", "mapa", "map",
    ),
    "shelter": (
        "albergue*", "shelter*", "abrigo*", "hebergement*", "heberg*", "foyer*", "abri*",
        "acogida*", "acolhi*", "casa de paso", "casa del migrante", "dormir", "sleep*", "dormi*",
        "domi*", "noche", "tonight", "noite", "nuit", "aswe*", "cama", "bed", "techo*", "roof",
    ),
    "food": (
        "soupe populaire", "comedor*", "olla comun", "restos du coeur", "marmita*", "cantine*",
        "comida*", "food*", "comer", "eat*", "alimento*", "aliment*", "nourriture*", "manger",
        "manje*", "fome", "hambre", "hungry", "faim", "grangou*", "desayun*", "almuerz*",
        "banco de alimentos", "cesta*",
    ),
    "send_money": (
        "enviar", "envio*", "send*", "envoy*", "voye*", "mandar", "mando", "manda", "remesa*",
        "remittan*", "remessa*", "transfer*", "transfe*", "western union", "moneygram", "giro*",
        "wise", "remitly", "pix", "zelle",
    ),
    "money": (
        "kob", "bank*", "banco*", "banque*", "nubank", "conta", "cuenta*", "account*", "compte*",
        "dinero*", "plata", "money", "dinheiro*", "argent", "lajan*", "cash", "pesos", "dolar*",
        "dollar*", "reais", "euro*", "comision*", "commission*", "komisyon*", "tarifa*", "fee*",
        "fees", "taux", "taxa*", "tasa*", "cambio", "exchange",
    ),
    "family": (
        "familia*", "family", "famille*", "fanmi*", "mama", "mom", "mother", "mae", "mere",
        "manman*", "papa", "dad", "pai", "pere",
    ),
    "data": (
        "sistem*", "system*", "non m", "mi nombre", "my name", "meu nome", "mon nom",
        "info", "infos",
        "dato*", "data", "dado*", "donnee*", "done", "enfomasyon*", "informacion*", "information*",
        "informac*", "conversac*", "conversation*", "konvesasyon*", "chat", "mensaje*", "message*",
        "mesaj*", "historial*", "history", "historique*", "registro*", "record*",
    ),
    "privacy": (
        "compart*", "share*", "partag*", "pataje*", "confiden*", "konfidans*", "privac*",
        "privad*", "priv*", "anonim*", "anonym*", "anonin*", "seguro*", "safe", "secure",
        "secret*", "sekre*", "guard*", "keep*", "store*", "armazen*", "stock*", "kenbe*",
        "rastre*", "track*", "localiz*", "espia*", "spy*", "vigil*",
    ),
    "report_me": (
        "denunc*", "report*", "reportar*", "signal*", "denonse*", "migracion", "immigration",
        "imigracao", "imigrasyon*", "ice",
    ),
    "delete": (
        "sonje", "rastro*", "trace*", "tras",
        "gone", "get rid", "clear*", "wipe*", "start over", "limpi*", "limpa*", "netwaye*",
        "disparai*", "detrui*",
        "borr*", "elimin*", "delet*", "erase*", "remove*", "apag*", "suprim*", "effac*", "efase*",
        "olvid*", "forget*", "esquec*", "oubli*", "bliye*", "destru*", "destroy*",
    ),
    "human": (
        "responsab*", "vre", "vrai*", "verdad*", "verdade*",
        "humano*", "human*", "persona*", "person*", "pessoa*", "personne*", "real", "reel",
        "de verdad", "agent*", "ajan*", "operador*", "operator*", "asesor*", "caseworker*",
        "trabajador social", "assistente social", "assistant social", "travaye sosyal", "someone",
        "alguien", "alguem", "quelqu un", "yon moun", "gente",
    ),
    "speak": (
        "hablar", "habla*", "talk*", "speak*", "falar", "fala*", "parler", "parle*", "pale*",
        "communicat*", "comunica*", "contact*", "contat*", "kontak*", "llam*", "call*", "liga*",
        "appel*", "rele*",
    ),
    "language": (
        "ingles", "english", "anglais", "angle", "portugues", "portuguese", "portugais", "potige",
        "potige", "espanol", "spanish", "espagnol", "panyol*", "castellano", "frances", "french",
        "francais", "franse", "creole", "kreyol*", "criollo*", "crioulo", "idioma*", "language*",
        "lingua*", "langue*", "lang",
    ),
    "bot": (
        "robot*", "bot", "bots", "machine*", "maquina*", "machin*", "program*", "pwogram*", "ia",
        "ai", "inteligencia artificial", "automat*", "computer*", "computador*", "ordinateur*",
        "odinate*",
    ),
    "menu": (
        "menu*", "opcion*", "option*", "opcoes", "opsyon*", "ayuda", "help", "ajuda", "aide",
        "ede", "que puedes hacer", "what can you do", "o que voce faz", "sers a quoi", "temas",
        "topics",
    ),
    "greet": (
        "slt", "bjr", "coucou", "cc", "bsr", "buen dia", "wena", "eai", "e ai",
        "hola", "hello", "hi", "hey", "oi", "ola", "bonjour", "salut", "bonjou", "bonswa",
        "bonsoir", "buenas", "buenos dias", "good morning", "bom dia", "boa tarde", "boa noite",
        "alo", "allo", "hallo", "sak pase", "klk", "wepa", "saludos",
    ),
    "goodbye": (
        "adios", "chao", "chau", "bye", "goodbye", "tchau", "au revoir", "orevwa", "hasta luego",
        "ate logo", "ate mais", "a bientot", "nap we", "babay", "see you", "cuidate", "tchao",
    ),
    "thank": (
        "gracias", "thank*", "thanks", "thx", "ty", "obrigad*", "merci", "mesi", "valeu",
        "agradec*", "gratid*", "grasyas", "dios le pague",
    ),
    "affirm": (
        "si", "yes", "yeah", "yep", "sim", "oui", "wi", "ok", "okay", "oki", "claro", "dale",
        "vale", "exacto", "exact*", "correct*", "right", "sure", "bien sur", "certo", "isso",
        "d accord", "dako", "ouais", "ouai", "perfecto", "perfeito", "parfait", "de acuerdo",
    ),
    "deny": (
        "no", "nope", "nao", "non", "nah", "jamas", "never", "nunca", "jamais", "janm", "nada",
        "negativo", "nenhum", "ninguno",
    ),
    "trafficking": (
        "aliciamento", "aliciad*", "garimpo*", "carvoaria*", "boate*", "empreiteira*", "zairyu",
        "servidumbre", "criad*", "restavek", "sirvienta*", "servant*", "bonne a tout faire",
        "restavek*", "eksplwat*", "vann", "venden", "vendieron", "venderam", "vendem",
        "traite", "vendu*", "sold", "vendid*", "marabout*",
        "trata*", "traffick*", "trafic*", "trafik*", "explota*", "exploit*", "explora*", "esclav*",
        "slave*", "escrav*", "esklav*", "prostitu*", "coyote*", "pollero*", "reclut*", "recruit*",
        "recrut*", "promet*", "promis*", "promise*",
    ),
    "confined": (
        "chape", "chapp*", "veye*", "fuir",
        "run away", "huir", "fugir", "enfuir", "menfuir", "kouri ale", "watching", "vigila*",
        "cant go out", "no salgo",
        "encerr*", "locked", "lock*", "tranca*", "trancad*", "enferme*", "fenmen*", "kidnap*",
        "retien*", "retain*", "retem*", "salir", "leave", "sair", "sortir", "soti*", "escapar",
        "escape*", "chapar", "kouri*",
    ),
    "debt": (
        "deuda*", "debt*", "divida*", "dette*", "det", "owe*", "owing", "debo", "devo", "dwe",
        "pagar el viaje",
    ),
    "forced": (
        "obliga*", "forc*", "foce*", "fose*", "fos", "forzad*", "contra mi voluntad",
        "against my will",
    ),
    "self_info": (
        "soy", "sou", "i am", "im", "je suis", "m se", "mwen se", "estoy", "vivo", "moro", "live",
        "habite", "rete", "tengo", "anos", "years old", "ans", "nacionalidad", "nationality",
        "nasyonalite",
    ),
}


def normalise(text: str) -> str:
    """Lower-case, accent-free text; "holaaaa" becomes "holaa"; runs of spaces become one."""
    folded = _REPEATS.sub(r"\1\1", fold(text or ""))
    return _SPACES.sub(" ", folded).strip()


_ELISION = r"(?:[ldjmtsn]|qu)?"  # French typed without apostrophes: "lhopital", "dasile"


def _alternative(entry: str) -> str:
    stem = entry[:-1] if entry.endswith("*") else entry
    pattern = re.escape(stem) + (r"\w*" if entry.endswith("*") else "")
    if len(stem) >= 4 and stem[0] in "aeiouh":
        pattern = _ELISION + pattern
    return pattern


def _pattern(entries: tuple[str, ...]) -> re.Pattern[str]:
    alternatives = sorted((_alternative(e) for e in entries), key=len, reverse=True)
    return re.compile(r"\b(?:" + "|".join(alternatives) + r")\b")


_CONCEPT_PATTERNS = tuple((name, _pattern(entries)) for name, entries in CONCEPTS.items())


def concepts(folded: str) -> list[str]:
    """Names of the `CONCEPTS` found in already normalised text, in `CONCEPTS` order."""
    return [name for name, pattern in _CONCEPT_PATTERNS if pattern.search(folded)]


def cue_tokens(text: str, with_concepts: bool = True) -> list[str]:
    """Language-neutral tokens: length in words (1..6 or long), question mark, concepts."""
    words = len(_WORD.findall(text or ""))
    tokens = [f"len_{words}" if words <= 6 else "len_long"]
    if "?" in (text or ""):
        tokens.append("question")
    if with_concepts:
        tokens += [f"c_{name}" for name in concepts(normalise(text))]
    return tokens

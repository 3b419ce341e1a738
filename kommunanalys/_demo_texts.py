"""The comment pool of the synthetic demo survey (private to :mod:`kommunanalys.demo`).

Every text here is either quoted verbatim from the seed presentation (``SEED_QUOTES``; the
leading "− " and the slide's line breaks removed) or invented for the demo. No text comes from a
real respondent. Personal data in ``PLANTED_COMMENTS`` is fictitious: the names are common
Swedish names, the telephone numbers lie in the ranges the Swedish Post and Telecom Authority
(PTS) reserves for fiction, the e-mail address uses the reserved domain ``example.com``, and the
personnummer is made up (only its check digit is computed).

Each text carries a ``role``, who can have written it:

``"any"``   anyone; ``"fv"`` a förtroendevald; ``"tp"`` a tjänsteperson (chefer included);
``"chef"``  a chef i central förvaltning;

and a ``tone`` (``"neg"``, ``"mixed"``, ``"pos"``) that the generator matches with the
respondent's answer to the commented Likert question.
"""

from __future__ import annotations

from typing import TypedDict

__all__: list[str] = []  # private module; kommunanalys.demo re-exports what is public


class Text(TypedDict, total=False):
    text: str
    role: str
    tone: str
    municipality: str  # preferred municipality code for a fixed text (used when present)
    personal_data: list[tuple[str, str]]  # (type, value) planted for the screening demo
    lookalikes: list[tuple[str, str]]  # (type, value) that screening must NOT mask


# --- verbatim quotes from the seed presentation ("Citat ur enkäten") ---------------------------
# The slide after Q10 and the one after Q12 are both headed "Ekonomi & uppföljning"; the slide
# after Q14 is "Roller och tillit". Roles are our reading of each quote (politicians speak of
# "oss politiker", "representerar", nämndernas funktion; civil servants of "som tjänsteperson").
SEED_QUOTES: dict[str, list[Text]] = {
    "Q11": [
        {"text": "Uppföljningen riktar sig mest kring vad som hänt och utvecklingsfrågorna skulle nog "
                 "kunna få mer utrymme. Hur kan utvecklande delar på sikt minska kostnader då det ofta "
                 "initialt medför ökade kostnader.", "role": "any", "tone": "mixed"},
        {"text": "Skulle kunna kompletteras mer forum där vi djupare analyserar hur olika ekonomiska "
                 "faktorer påverkar varandra mellan förvaltningar, mer helhet isf stuprör.",
         "role": "tp", "tone": "mixed"},
        {"text": "Vi följer upp och analyserar, men detta leder sällan mot utveckling och förbättring.",
         "role": "any", "tone": "neg"},
        {"text": "Budgeten har alldeles för stor felprocent. Det som är beslutat att utföras, kommer "
                 "ofta inte till stånd.", "role": "fv", "tone": "neg"},
        {"text": "Vi har kloka och duktiga ekonomer som också har tålamod nog att förklara!",
         "role": "fv", "tone": "pos"},
    ],
    "Q13": [
        {"text": "Kvalitetsarbetet får tyvärr stå åt sidan för arbete med ekonomiska analyser.",
         "role": "tp", "tone": "neg"},
        {"text": "Vi behöver bli bättre på det systematiska uppföljning och analysarbetet längre ner i "
                 "organisationen.", "role": "any", "tone": "mixed"},
        {"text": "I den verksamhet som jag representerar försöker vi hitta syndabockar till vårt dåliga "
                 "resultat i stället för att hjälpas åt att förbättra.", "role": "fv", "tone": "neg"},
        {"text": "Brist på helhetstänk.", "role": "any", "tone": "neg"},
        {"text": "Beror inte på verksamheten att vi har brister i uppföljningen utan på oss politiker "
                 "som är otydliga i vår beställning.", "role": "fv", "tone": "neg"},
        {"text": "Löpande under året ligger fokus nästan enbart på ekonomisk uppföljning, inte på "
                 "målstyrning (som redovisas endast vid bokslut).", "role": "any", "tone": "neg"},
    ],
    "Q15": [
        {"text": "Det har blivit mindre och näst intill inga tillfällen för politiker och tjänstemän att "
                 "ta del av varandras perspektiv.", "role": "any", "tone": "neg"},
        {"text": "Politikerna vill gärna in på tjänstepersonernas ansvar och frågor. Ger mycket uppdrag "
                 "och utredningar som tar tid från verksamhetsfrågor och utvecklingsfrågor.",
         "role": "tp", "tone": "neg", "municipality": "1781"},
        {"text": "Det unika i vår kommun är att politik och förvaltning kan och får umgås och diskutera "
                 "samma frågor tillsammans och samtidigt respektera varandras uppdrag.",
         "role": "any", "tone": "pos", "municipality": "1761"},
        {"text": "Det tycker jag att det är, vi blir lyssnade på.", "role": "tp", "tone": "pos"},
        {"text": "Viktigt som tjänsteperson att politiken sätter mål och inriktningar. Idag ser jag inte "
                 "den rollfördelningen. Tjänstepersoner lever sitt eget liv.", "role": "tp", "tone": "neg"},
        {"text": "Höga tjänstemän går inte nämnder och styrelsers ärenden, det är viktigare att lyda "
                 "högsta chefen, numera har nämnderna nästan ingen funktion",
         "role": "fv", "tone": "neg", "municipality": "1781"},
        {"text": "Tillitsbristen ligger inte mellan tjänstemännen och förtroendevalda utan mellan styre "
                 "och opposition. Detta spiller givetvis över på verksamheten vilket är mycket olyckligt.",
         "role": "any", "tone": "mixed"},
    ],
}


def _luhn_check_digit(nine_digits: str) -> str:
    """Check digit of a Swedish personnummer (Luhn over YYMMDDNNN)."""
    total = 0
    for i, ch in enumerate(nine_digits):
        d = int(ch) * (2 if i % 2 == 0 else 1)
        total += d // 10 + d % 10
    return str((10 - total % 10) % 10)


PERSONNUMMER = "670412-318" + _luhn_check_digit("670412318")

# --- comments planted once each, for the screening demo ----------------------------------------
# personal_data: what screening must find and mask; lookalikes: what it must leave alone.
PLANTED_COMMENTS: dict[str, list[Text]] = {
    "Q9": [
        {"text": f"Jag har skrivit till kommunstyrelsen om målen flera gånger utan att få svar. Mitt "
                 f"personnummer är {PERSONNUMMER} om ni vill leta upp ärendet.",
         "role": "fv", "tone": "neg", "personal_data": [("personnummer", PERSONNUMMER)]},
        {"text": "Min chef Karin Johansson har gjort ett bra jobb med att bryta ned målen, men det ser "
                 "olika ut i olika enheter.", "role": "tp", "tone": "mixed",
         "personal_data": [("name", "Karin Johansson")]},
        {"text": "Nämnden antog nya mål 2023-11-14, § 112, men de har ännu inte nått ut till "
                 "verksamheterna.", "role": "any", "tone": "mixed",
         "lookalikes": [("date", "2023-11-14"), ("paragraph", "§ 112")]},
    ],
    "Q11": [
        {"text": "Kontakta mig gärna om ni vill veta mer om hur vi arbetar med prognoser: "
                 "anna.lindgren@example.com eller 070-174 06 23.", "role": "tp", "tone": "mixed",
         "personal_data": [("email", "anna.lindgren@example.com"), ("phone", "070-174 06 23")]},
        {"text": "Ekonomichefen Johan Berg svarar aldrig på våra frågor om prognosen.",
         "role": "fv", "tone": "neg", "personal_data": [("name", "Johan Berg")]},
        {"text": "Se ärendet dnr KS 2023/145 om budgetprocessen – det tog över ett år innan något hände.",
         "role": "any", "tone": "neg", "lookalikes": [("case_number", "dnr KS 2023/145")]},
        {"text": "Budgeten för 2024 minskades med 3,5 miljoner kronor (2,1 %) jämfört med 2023, utan "
                 "någon analys av konsekvenserna.", "role": "fv", "tone": "neg",
         "lookalikes": [("amount", "3,5 miljoner kronor")]},
    ],
    "Q13": [
        {"text": "Fråga kvalitetsstrateg Maria Nilsson, 08-465 004 12, så får ni höra hur lite tid som "
                 "finns för kvalitetsarbetet.", "role": "tp", "tone": "neg",
         "personal_data": [("name", "Maria Nilsson"), ("phone", "08-465 004 12")]},
        {"text": "Vi jämför kostnad per elev med andra kommuner, men analyserar sällan varför "
                 "skillnaderna finns.", "role": "any", "tone": "mixed",
         "lookalikes": [("word", "kostnad per elev")]},
        {"text": "Vi följer upp i Stratsys och Kolada, men SKR:s Öppna jämförelser är det som faktiskt "
                 "diskuteras i nämnden.", "role": "tp", "tone": "mixed",
         "lookalikes": [("organisation", "Kolada"), ("organisation", "SKR")]},
    ],
    "Q15": [
        {"text": "Samarbetet med kommundirektör Lars Pettersson fungerar, men nämndernas ordförande går "
                 "ofta förbi förvaltningen.", "role": "tp", "tone": "mixed",
         "personal_data": [("name", "Lars Pettersson")]},
        {"text": "Eva Karlssons sätt att leda kommunstyrelsen har skapat ett bättre klimat mellan "
                 "politik och förvaltning.", "role": "fv", "tone": "pos",
         "personal_data": [("name", "Eva Karlsson")]},
        {"text": "Välkommen att höra av dig till mig på 0701740688 eller besök partikansliet på "
                 "Drottninggatan 14 i Kristinehamn.", "role": "fv", "tone": "mixed",
         "personal_data": [("phone", "0701740688"), ("address", "Drottninggatan 14")],
         "lookalikes": [("municipality", "Kristinehamn")]},
        {"text": "Ordföranden säger att det inte är hans ansvar att prioritera mellan förvaltningarna.",
         "role": "tp", "tone": "neg", "lookalikes": [("word", "hans ansvar")]},
        {"text": "Vi borde titta på hur Hammarö arbetar med dialog mellan politik och förvaltning.",
         "role": "any", "tone": "mixed", "municipality": "1763",
         "lookalikes": [("municipality", "Hammarö")]},
    ],
}

# --- the invented pool, drawn at random ----------------------------------------------------------
def _t(text: str, role: str, tone: str) -> Text:
    return {"text": text, "role": role, "tone": tone}


POOL: dict[str, list[Text]] = {
    # Q9 comments on Q6 (målstyrning)
    "Q9": [
        _t("Vi har alldeles för många mål. När allt är prioriterat är ingenting prioriterat.", "any", "neg"),
        _t("Målen är så allmänt formulerade att de inte går att följa upp.", "tp", "neg"),
        _t("Nämndernas mål hänger inte ihop med fullmäktiges mål, det blir två parallella system.", "any", "neg"),
        _t("Målen ändras varje mandatperiod innan vi ens hunnit se några resultat.", "tp", "neg"),
        _t("Styrmodellen finns på papperet men används inte i vardagen.", "tp", "neg"),
        _t("Som ny ledamot är det svårt att förstå hur målen ska omsättas i verksamheten.", "fv", "neg"),
        _t("Vi politiker beslutar om mål men får sällan veta om de har nåtts.", "fv", "neg"),
        _t("Målstyrningen har blivit en administrativ övning inför årsredovisningen.", "chef", "neg"),
        _t("Det saknas en röd tråd från vision till verksamhetsplan.", "any", "neg"),
        _t("Indikatorerna mäter det som är lätt att mäta, inte det som är viktigt.", "any", "neg"),
        _t("Modellen är bra men vi är inte konsekventa i hur vi använder den.", "any", "mixed"),
        _t("Det har blivit bättre sedan vi minskade antalet mål, men det återstår mycket.", "any", "mixed"),
        _t("Målen anger riktning på övergripande nivå, men längre ner i organisationen är kopplingen svag.",
           "chef", "mixed"),
        _t("Vi har en ny styrmodell sedan förra året och det är för tidigt att säga hur den fungerar.",
           "any", "mixed"),
        _t("Mycket beror på vilken nämnd man sitter i. I vissa fungerar det utmärkt, i andra inte alls.",
           "fv", "mixed"),
        _t("Jag saknar dialog om målen innan de beslutas, annars fungerar det okej.", "tp", "mixed"),
        _t("Målen är tydliga, men resurserna räcker inte för att nå dem.", "tp", "mixed"),
        _t("Det är svårt att veta vad som gäller när det finns både mål, uppdrag, planer och program.",
           "tp", "mixed"),
        _t("Vi har få och tydliga mål som alla känner till.", "any", "pos"),
        _t("Sedan vi började prata om målen på arbetsplatsträffarna vet medarbetarna vad som förväntas.",
           "tp", "pos"),
        _t("Fullmäktiges mål bryts ned på ett bra sätt i nämnderna.", "fv", "pos"),
        _t("Bra struktur och tydliga uppdrag från politiken.", "tp", "pos"),
        _t("Jag upplever att målen verkligen styr hur vi prioriterar i budgeten.", "fv", "pos"),
        _t("Vi har arbetat länge med styrmodellen och det märks, den sitter i väggarna.", "any", "pos"),
        _t("Tydliga mål gör att vi kan säga nej till sådant som inte hör hemma hos oss.", "chef", "pos"),
        _t("Två saker:\n1. Färre mål.\n2. Mål som går att mäta.", "any", "mixed"),
    ],
    # Q11 comments on Q10 (ekonomi)
    "Q11": [
        _t("Ekonomiuppföljningen handlar nästan bara om avvikelser mot budget, inte om vad vi får för "
           "pengarna.", "any", "neg"),
        _t("Prognoserna kommer för sent för att vi ska hinna agera under året.", "fv", "neg"),
        _t("Vi får långa tabeller men ingen analys av orsakerna.", "fv", "neg"),
        _t("Det saknas koppling mellan ekonomin och verksamhetens resultat.", "any", "neg"),
        _t("Budgeten räknas upp med index år efter år utan att någon frågar vad verksamheten behöver.",
           "tp", "neg"),
        _t("Som chef får jag ekonomirapporter men inget stöd i att tolka dem.", "chef", "neg"),
        _t("Systemen pratar inte med varandra, så vi lägger mycket tid på att ta fram siffror för hand.",
           "tp", "neg"),
        _t("Besparingar läggs ut lika på alla verksamheter, så kallad osthyvel, utan analys.", "tp", "neg"),
        _t("Det är svårt för oss fritidspolitiker att förstå underlagen; de är skrivna för ekonomer.",
           "fv", "neg"),
        _t("Uppföljningen av ekonomin är noggrann, men analysen av varför vi avviker är tunn.", "any", "mixed"),
        _t("Vi jämför oss med andra kommuner, men sällan med kommuner som liknar oss.", "any", "mixed"),
        _t("Månadsuppföljningen fungerar, men vi borde lägga mer tid på helårsanalysen.", "chef", "mixed"),
        _t("Bra underlag, men de får för lite tid på nämndsmötena.", "fv", "mixed"),
        _t("Det är mycket fokus på att hålla budget och mindre på vad pengarna ger för effekt.", "any", "mixed"),
        _t("Vi har börjat räkna kostnad per brukare, det är ett steg i rätt riktning.", "tp", "mixed"),
        _t("Ekonomerna gör ett bra jobb men verksamheterna tar inte fullt ansvar för sin ekonomi.",
           "chef", "mixed"),
        _t("Det har blivit bättre sedan vi införde budgetdialoger med varje nämnd.", "fv", "mixed"),
        _t("Vi pratar om \"effektivisering\" men menar oftast bara besparing.", "tp", "mixed"),
        _t("Tydliga rapporter varje månad, vi vet var vi står.", "fv", "pos"),
        _t("Vi har ett nära samarbete med vår controller och det fungerar mycket bra.", "chef", "pos"),
        _t("Den ekonomiska uppföljningen är en styrka i vår kommun.", "any", "pos"),
        _t("Bra modell med delårsrapporter och fördjupade analyser när något avviker.", "tp", "pos"),
        _t("Politiken får bra och begripliga underlag inför budgetbesluten.", "fv", "pos"),
        _t("Vi har god ordning på ekonomin och det syns i resultatet.", "any", "pos"),
        _t("Ekonomiavdelningen är lätt att nå och hjälper gärna till.", "tp", "pos"),
        _t("Underlagen är bra.\nDet som saknas är tid att diskutera dem.", "fv", "mixed"),
    ],
    # Q13 comments on Q12 (kvalitet)
    "Q13": [
        _t("Vi mäter kvalitet genom brukarundersökningar men ingen gör något med resultaten.", "tp", "neg"),
        _t("Kvaliteten följs upp i verksamheterna men når aldrig nämnden.", "fv", "neg"),
        _t("Det finns inga bra mått på kvalitet i vår verksamhet, så vi följer upp det som går att räkna.",
           "tp", "neg"),
        _t("Kvalitetsfrågorna hamnar alltid sist på dagordningen.", "fv", "neg"),
        _t("Vi har slutat med egenkontroller på grund av tidsbrist.", "tp", "neg"),
        _t("Vi vet vad saker kostar men inte vad de ger.", "any", "neg"),
        _t("Nämnden får höra att kvaliteten är god men inte på vilka grunder.", "fv", "neg"),
        _t("Det finns ingen samlad bild av kvaliteten, varje förvaltning gör på sitt sätt.", "chef", "neg"),
        _t("Kvalitet blir något man pratar om när det har gått fel.", "any", "neg"),
        _t("Vi har börjat med kvalitetsdialoger men det är långt kvar.", "chef", "mixed"),
        _t("Skolan har en bra kvalitetsuppföljning, äldreomsorgen en sämre.", "fv", "mixed"),
        _t("Vi har mycket data men för lite tid att analysera den.", "tp", "mixed"),
        _t("Uppföljningen av kvalitet har blivit bättre, men kopplingen till resurserna saknas.", "any", "mixed"),
        _t("Kvalitetsuppföljningen finns men hänger på enskilda eldsjälar.", "tp", "mixed"),
        _t("Det är svårt att jämföra kvalitet över åren när måtten byts ut.", "any", "mixed"),
        _t("Vi redovisar nyckeltal, men analysen av varför de ser ut som de gör är svag.", "any", "mixed"),
        _t("Brukarnas synpunkter kommer fram, men sällan på ett systematiskt sätt.", "tp", "mixed"),
        _t("Vi har ett systematiskt kvalitetsarbete som följs upp i nämnden varje kvartal.", "tp", "pos"),
        _t("Öppna jämförelser är ett bra underlag för diskussion i nämnden.", "fv", "pos"),
        _t("Medarbetarna är delaktiga i uppföljningen och det märks på resultaten.", "chef", "pos"),
        _t("Vi har tydliga kvalitetsmål i äldreomsorgen som vi följer upp regelbundet.", "tp", "pos"),
        _t("Nämnden får bra redovisningar av kvaliteten, både siffror och beskrivningar.", "fv", "pos"),
        _t("Kvalitetsarbetet i skolan är ett föredöme för resten av kommunen.", "any", "pos"),
        _t("Vi har ett bra ledningssystem för kvalitet; nu gäller det att använda det.", "chef", "mixed"),
        _t("Svårt att svara generellt. Det skiljer sig mycket mellan verksamheterna.", "any", "mixed"),
    ],
    # Q15 comments on Q14 (tillit)
    "Q15": [
        _t("Det finns en misstro mot förvaltningen från delar av politiken.", "tp", "neg"),
        _t("Förvaltningen bestämmer i praktiken och vi politiker får veta saker för sent.", "fv", "neg"),
        _t("Politiken detaljstyr och litar inte på vår professionella bedömning.", "tp", "neg"),
        _t("Tonläget i debatten gör att tjänstepersoner drar sig för att säga vad de tycker.", "tp", "neg"),
        _t("Vi får ofta ärenden där beslutet i praktiken redan är fattat av förvaltningen.", "fv", "neg"),
        _t("Det är oklart vem som bestämmer vad, och det skapar friktion.", "any", "neg"),
        _t("Många chefer har slutat, och varje ny chef ska bygga upp förtroendet från början.", "fv", "neg"),
        _t("Som chef hamnar jag ofta mellan politiken och medarbetarna.", "chef", "neg"),
        _t("Tilliten har minskat sedan omorganisationen.", "any", "neg"),
        _t("Vi har en \"tillitsbaserad styrning\"; i praktiken är det detaljstyrning.", "tp", "neg"),
        _t("Tilliten är god mellan kommunstyrelsen och ledningen, men svagare i nämnderna.", "chef", "mixed"),
        _t("Det beror mycket på person, med vissa politiker fungerar det mycket bra.", "tp", "mixed"),
        _t("Vi behöver fler gemensamma forum, inte bara sammanträden.", "any", "mixed"),
        _t("Jag har förtroende för förvaltningen men saknar insyn i hur prioriteringarna görs.", "fv", "mixed"),
        _t("Det är bättre nu än för några år sedan, men det är skört.", "any", "mixed"),
        _t("Rollerna är tydliga på papperet men inte alltid i praktiken.", "any", "mixed"),
        _t("Vi pratar om ”tillit” men det är fortfarande kontroll som gäller.", "tp", "mixed"),
        _t("Oppositionen får inte samma information som majoriteten, det skadar förtroendet.", "fv", "mixed"),
        _t("Vi har en mycket bra dialog mellan presidierna och förvaltningsledningen.", "fv", "pos"),
        _t("Jag kan vara ärlig mot politiken även när budskapet är obekvämt.", "chef", "pos"),
        _t("God stämning och respekt för varandras roller.", "any", "pos"),
        _t("Politikerna lyssnar på oss tjänstepersoner och tar till sig våra underlag.", "tp", "pos"),
        _t("Gemensamma utbildningsdagar för politiker och tjänstepersoner har gjort stor skillnad.", "any", "pos"),
        _t("Förvaltningen är lyhörd och levererar det vi ber om.", "fv", "pos"),
        _t("Korta beslutsvägar och nära kontakt, det är en fördel med en liten kommun.", "any", "pos"),
        _t("Det som behövs:\n– mer tid för dialog\n– tydligare uppdrag\n– respekt för rollerna", "any", "mixed"),
    ],
}

# Optional second sentences, appended to some pool texts so that comments vary like real ones.
ADDITIONS: dict[str, list[str]] = {
    "neg": ["Det har varit så länge.", "Tyvärr.", "Här finns mycket att göra.", "Det är frustrerande.",
            "Så kan vi inte fortsätta.", "Det har blivit sämre de senaste åren."],
    "mixed": ["Men det varierar mellan förvaltningarna.", "Det är på väg åt rätt håll.",
              "Mer dialog skulle hjälpa.", "Det tar tid att ändra arbetssätt."],
    "pos": ["Det ska vi fortsätta med.", "Det har blivit bättre de senaste åren.", "Bra jobbat!"],
}

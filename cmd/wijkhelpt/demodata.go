package main

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"wijkhelpt"
)

// The demo set is Wijk bij Duurstede as the desk would see it on an ordinary
// day: volunteers and partner organisations who offered help, and residents
// (or their family, neighbours and GP) asking for it. Everyone in it is
// invented: names are drawn from common Dutch first and last names, phone
// numbers are random, and the organisations do not exist under these names.
// The set is the same every time for the same day: dates are relative to
// today and everything else comes from a fixed seed.

// demoAreas are the four-digit postcode areas of the municipality, with how
// many of its residents live in each (town, Cothen, Langbroek).
var demoAreas = []struct {
	pc4    string
	weight int
}{
	{"3961", 45}, {"3962", 35}, {"3945", 11}, {"3947", 9},
}

var demoWomen = []string{
	"Anja", "Annemiek", "Carla", "Corrie", "Els", "Emma", "Ester", "Fatima", "Femke", "Gerda",
	"Hanneke", "Hennie", "Ineke", "Janneke", "Joke", "Karin", "Linda", "Lisa", "Marieke", "Marloes",
	"Monique", "Nadia", "Nienke", "Petra", "Renate", "Sanne", "Sevda", "Sophie", "Tineke", "Truus",
	"Willemijn", "Zeynep", "Agnieszka", "Wilma", "Lotte", "Marjan", "Riet", "Mirjam", "Saskia",
}

var demoMen = []string{
	"Bart", "Bas", "Bram", "Daan", "Dirk", "Frank", "Gerrit", "Hans", "Henk", "Jan", "Jeroen",
	"Joost", "Kees", "Lars", "Maarten", "Martin", "Mehmet", "Mohamed", "Noah", "Paul", "Piet",
	"Rik", "Rob", "Ruud", "Sem", "Sjaak", "Thijs", "Tom", "Wim", "Yusuf", "Ahmed", "Gijs",
	"Jelle", "Herman", "Teun", "Wouter", "Arjen",
}

var demoLastNames = []string{
	"de Jong", "Jansen", "de Vries", "van den Berg", "van Dijk", "Bakker", "Janssen", "Visser",
	"Smit", "Meijer", "de Boer", "Mulder", "de Groot", "Bos", "Vos", "Peters", "Hendriks",
	"van Leeuwen", "Dekker", "Brouwer", "de Wit", "Dijkstra", "de Graaf", "van der Meer",
	"van der Linden", "Kok", "Jacobs", "de Haan", "Vermeulen", "van den Heuvel", "van der Veen",
	"van den Broek", "de Bruijn", "van der Heijden", "Schouten", "van Beek", "Willems",
	"van Vliet", "Hoekstra", "Maas", "Verhoeven", "Koster", "van Dam", "van der Wal", "Prins",
	"Blom", "Huisman", "Kaya", "Yılmaz", "El Idrissi", "Bouzid", "Wolters", "Verbeek", "van Rijn",
	"Timmermans", "Hoogendoorn", "Kuijpers", "van Zuilen", "Roelofs", "Nowak", "Lagerweij",
	"van Schaik", "Rijneveld", "den Hartog", "van Ginkel",
}

// demoCategoryWeights says how often volunteers offer each kind of help:
// groceries, rides and company far more than respite care.
var demoCategoryWeights = []struct {
	code   string
	weight int
}{
	{"boodschappen", 20}, {"vervoer", 17}, {"gezelschap", 16}, {"klussen", 12}, {"digitaal", 11},
	{"tuin", 10}, {"administratie", 7}, {"maaltijden", 6}, {"huisdieren", 6}, {"huishouden", 5},
	{"taal", 5}, {"verhuizen", 4}, {"mantelzorg", 3}, {"kinderen", 3},
}

// demoOfferLines are what a volunteer writes about a kind of help.
var demoOfferLines = map[string][]string{
	"boodschappen":  {"Ik doe graag boodschappen voor iemand die dat zelf niet meer kan.", "Ik ga toch elke week naar de supermarkt, dan neem ik graag iets mee."},
	"vervoer":       {"Ik rijd mensen graag naar het ziekenhuis, de huisarts of de kapper.", "Ik loop graag mee naar een afspraak, ook als het even duurt."},
	"klussen":       {"Handig met gereedschap: lampen, gordijnrails, een lekkende kraan.", "Kleine klusjes in huis vind ik leuk, ik neem mijn eigen boormachine mee."},
	"tuin":          {"Ik help graag in de tuin: snoeien, maaien, onkruid wieden.", "Groene vingers en tijd over, de tuin is mijn hobby."},
	"gezelschap":    {"Een kopje koffie en een goed gesprek, daar heb ik altijd tijd voor.", "Ik wandel graag samen of speel een spelletje."},
	"digitaal":      {"Ik leg rustig uit hoe een telefoon, tablet of DigiD werkt.", "Computers zijn mijn vak, ik help graag met WhatsApp en videobellen."},
	"administratie": {"Ik help met formulieren, post en toeslagen, met geduld en discretie.", "Vroeger boekhouder, ik kijk graag mee naar rekeningen en brieven."},
	"taal":          {"Ik ben graag taalmaatje: samen Nederlands praten en lezen.", "Ik spreek ook Engels en help met brieven in eenvoudig Nederlands."},
	"maaltijden":    {"Ik kook toch elke dag, een extra portie breng ik graag langs.", "Samen koken of een warme maaltijd brengen, allebei goed."},
	"huisdieren":    {"Ik laat graag een hond uit of voer de kat als u weg bent.", "Dierenvriend, ik help met uitlaten en de dierenarts."},
	"verhuizen":     {"Ik heb een aanhanger en help met sjouwen en opruimen.", "Zolder of schuur leeghalen? Ik help graag mee."},
	"huishouden":    {"Ik help met strijken, de was en licht huishoudelijk werk.", "Ramen lappen of even stofzuigen, geen probleem."},
	"mantelzorg":    {"Ik neem de zorg graag een middag over, zodat de mantelzorger even weg kan.", "Ervaring in de zorg, ik blijf graag bij iemand met dementie."},
	"kinderen":      {"Ik haal kinderen van school of help met huiswerk.", "Oud-leerkracht, ik help graag een gezin dat het even zwaar heeft."},
}

// demoIntros are how volunteers introduce themselves, by the kind of week
// they have (see availability).
var demoIntros = map[string][]string{
	"retired": {"Ik ben net met pensioen en heb tijd over.", "Sinds de kinderen het huis uit zijn, help ik graag anderen.",
		"Ik woon al veertig jaar in het dorp en ken veel mensen.", ""},
	"working": {"Ik werk parttime en wil graag iets doen voor de buurt.", "Naast mijn werk help ik graag 's avonds of in het weekend.", ""},
	"student": {"Student in Utrecht, ik woon nog thuis in Wijk.", "Ik studeer en heb 's middags vaak tijd.", ""},
	"free":    {"Nieuw in Wijk bij Duurstede en ik wil graag mensen leren kennen.", "Ik ben veel thuis en help graag wanneer het uitkomt.", ""},
}

// demoOrg is a partner organisation's offer.
type demoOrg struct {
	name, text string
	categories []string
	pc4        string
	slots      []string
	vog        bool
}

var demoOrgs = []demoOrg{
	{"Stichting Samen Dorestad", "Welzijnsstichting: ouderenadviseurs en buurtvrijwilligers voor vragen die net even meer vragen.", []string{"gezelschap", "administratie", "vervoer"}, "3961", weekdays("ochtend", "middag"), false},
	{"Diaconie Protestantse Gemeente aan de Lek", "Bezoekwerk en praktische hulp vanuit de kerk, voor iedereen.", []string{"gezelschap", "boodschappen", "vervoer"}, "3961", weekdays("ochtend", "middag"), false},
	{"Parochiële Caritas Sint-Maarten", "Hulp bij geldzaken en een luisterend oor.", []string{"administratie", "gezelschap"}, "3962", []string{"di-ochtend", "do-ochtend"}, false},
	{"Rotaryclub Lekpoort", "Leden met een auto rijden mensen naar afspraken in de regio.", []string{"vervoer"}, "3962", []string{"ma-ochtend", "wo-ochtend", "vr-ochtend", "za-ochtend"}, false},
	{"VV De Rijnvogels", "Jeugdleden en trainers helpen in tuinen en bij verhuizingen (maatschappelijke stage).", []string{"tuin", "verhuizen"}, "3962", []string{"wo-middag", "za-ochtend", "za-middag"}, false},
	{"Digicafé Bibliotheek Kromme Rijn", "Vrijwilligers helpen met telefoon, tablet, DigiD en online formulieren.", []string{"digitaal", "administratie"}, "3961", []string{"di-middag", "do-ochtend", "za-ochtend"}, false},
	{"Repair Café De Schroevendraaier", "Kapot? Wij repareren het samen met u, thuis als het niet anders kan.", []string{"klussen"}, "3961", []string{"za-ochtend", "za-middag"}, false},
	{"Voedselbank Kromme Rijn en Lek", "Pakketten voor wie het nodig heeft; wij bezorgen bij wie niet kan komen.", []string{"boodschappen", "maaltijden"}, "3962", []string{"vr-middag"}, false},
	{"Bezoekdienst Omzien naar Elkaar", "Vaste bezoekvrijwilligers voor wie alleen is.", []string{"gezelschap"}, "3945", weekdays("middag"), false},
	{"Tafeltje Dekje Dorestad", "Warme maaltijden aan huis, drie keer per week.", []string{"maaltijden"}, "3961", []string{"ma-middag", "wo-middag", "vr-middag"}, false},
	{"Taalmaatjes Kromme Rijn", "Taalmaatjes voor nieuwkomers en laaggeletterden.", []string{"taal"}, "3962", []string{"ma-avond", "wo-avond", "do-middag"}, false},
	{"Klussendienst 55+ Langbroek", "Gepensioneerde vakmensen doen kleine klussen tegen kostprijs van materiaal.", []string{"klussen", "tuin"}, "3947", weekdays("ochtend"), false},
	{"Tuinploeg Groene Vingers Cothen", "Samen de tuin weer op orde, ook het groenafval nemen we mee.", []string{"tuin"}, "3945", []string{"di-ochtend", "do-ochtend", "za-ochtend"}, false},
	{"Vrijwillige Vervoersdienst Langbroek", "Rijdt inwoners van Langbroek, Cothen en Wijk naar ziekenhuis en huisarts.", []string{"vervoer"}, "3947", weekdays("ochtend", "middag"), false},
	{"Formulierenhulp Dorestad", "Hulp bij toeslagen, Wmo-aanvragen en post die u niet begrijpt.", []string{"administratie"}, "3961", []string{"ma-middag", "do-middag"}, false},
	{"Mantelzorgsteunpunt Dorestad", "Respijtvrijwilligers met VOG nemen de zorg een dagdeel over.", []string{"mantelzorg", "gezelschap"}, "3961", weekdays("ochtend", "middag"), true},
	{"Gezinsmaatjes Wijk", "Maatjes met VOG voor gezinnen die het even zwaar hebben.", []string{"kinderen"}, "3962", []string{"di-middag", "wo-middag", "do-middag", "za-ochtend"}, true},
	{"Opruimploeg De Handige Handjes", "Helpt bij verhuizen naar een kleinere woning en het leegmaken van huizen.", []string{"verhuizen", "huishouden"}, "3962", []string{"ma-ochtend", "vr-ochtend", "za-ochtend"}, false},
	{"Dierenhulp Dorestad", "Uitlaten, voeren en ritjes naar de dierenarts als het baasje het niet kan.", []string{"huisdieren"}, "3961", []string{"ma-ochtend", "ma-middag", "wo-ochtend", "wo-middag", "vr-ochtend", "za-ochtend"}, false},
	{"Seniorenvereniging Cothen", "Leden helpen leden: boodschappen, een praatje, een ritje.", []string{"boodschappen", "gezelschap", "vervoer"}, "3945", weekdays("ochtend"), false},
	{"Buurthuis De Brug", "Koffieochtenden, samen eten en een klusjesteam.", []string{"maaltijden", "gezelschap", "klussen"}, "3962", []string{"di-ochtend", "do-avond", "vr-middag"}, false},
	{"Huishoudhulp Samen Sterk", "Vrijwilligers helpen tijdelijk in het huishouden na ziekenhuisopname.", []string{"huishouden", "boodschappen"}, "3961", weekdays("ochtend"), false},
}

// weekdays returns the given parts of the day, Monday to Friday.
func weekdays(parts ...string) []string {
	var out []string
	for _, d := range []string{"ma", "di", "wo", "do", "vr"} {
		for _, p := range parts {
			out = append(out, d+"-"+p)
		}
	}
	return out
}

// demoAsk is one request for help as it reaches the desk. byStaff means
// phone-line staff typed it ("mevrouw belt: ..."), with verbal consent.
type demoAsk struct {
	pc4      string
	text     string
	cats     []string // nil: the desk infers them from the text
	inDays   int      // > 0: a dated request, this many days from today
	part     string   // with inDays: ochtend, middag, avond, or "" for the whole day
	slots    []string // weekly recurring slots; neither date nor slots: flexible
	landline bool     // the resident has no mobile phone
	relation string   // on behalf of someone: who the caller is to them ("dochter")
	byStaff  bool
	urgent   bool
	sex      byte   // 'v' or 'm' when the text says whether the resident is a woman or a man
	resident string // a fixed name, when the text calls for one
}

var demoAsks = []demoAsk{
	{pc4: "3961", text: "Ik ben slecht ter been sinds mijn heupoperatie. Wie wil er elke week boodschappen voor me doen? Het lijstje en het geld liggen klaar.", cats: []string{"boodschappen"}, slots: []string{"do-ochtend"}},
	{pc4: "3962", text: "mevrouw belt: heeft griep, de koelkast is leeg. Of iemand morgen brood, melk en wat fruit kan halen. Betaalt contant.", inDays: 1, part: "ochtend", landline: true, byStaff: true, urgent: true, sex: 'v'},
	{pc4: "3961", text: "Ik heb een afspraak bij de oogarts in Zeist en mag daarna niet zelf rijden. Wie kan mij brengen en weer ophalen?", cats: []string{"vervoer"}, inDays: 6, part: "ochtend"},
	{pc4: "3962", text: "Mijn vader (87) moet elke week naar de fysiotherapeut aan de Markt. Hij loopt met een rollator en durft niet alleen. Ik woon in Utrecht en kan door de week niet.", cats: []string{"vervoer"}, slots: []string{"di-middag"}, relation: "dochter", sex: 'm'},
	{pc4: "3961", text: "Er moet een lamp opgehangen worden in de woonkamer en de gordijnrails zitten los. Ik heb zelf geen ladder.", cats: []string{"klussen"}},
	{pc4: "3945", text: "Mijn wasmachine lekt een beetje aan de onderkant, kan iemand ernaar kijken? Misschien is het alleen de slang."},
	{pc4: "3947", text: "De heg is veel te hoog geworden en ik kan niet meer op een trapje staan. Wie wil helpen snoeien? Het groenafval kan in de container.", cats: []string{"tuin"}, inDays: 9, part: "middag"},
	{pc4: "3962", text: "meneer belt: tuin staat vol onkruid, hij is weduwnaar en het lukt hem niet meer. Zou graag om de week hulp hebben.", cats: []string{"tuin"}, slots: []string{"za-ochtend"}, landline: true, byStaff: true, sex: 'm'},
	{pc4: "3961", text: "Sinds mijn vrouw is overleden zit ik veel alleen. Ik zou het fijn vinden als er iemand een keer per week langskomt voor een kop koffie en een praatje.", cats: []string{"gezelschap"}, slots: []string{"wo-middag"}, sex: 'm'},
	{pc4: "3962", text: "Mijn buurvrouw is 91 en krijgt bijna nooit bezoek. Ze houdt van kaarten en vertelt graag over vroeger. Zou iemand haar af en toe willen opzoeken?", cats: []string{"gezelschap"}, relation: "buurman", sex: 'v'},
	{pc4: "3945", text: "Ik zou graag met iemand gaan wandelen langs de Kromme Rijn, alleen durf ik het niet meer zo goed.", slots: []string{"vr-ochtend"}},
	{pc4: "3961", text: "Ik heb een nieuwe telefoon gekregen van mijn kleinzoon maar snap niks van WhatsApp. Wie kan me dat rustig uitleggen?", cats: []string{"digitaal"}},
	{pc4: "3962", text: "Hoe kom ik aan een DigiD? Ik moet iets regelen bij de gemeente en het lukt me niet op de computer."},
	{pc4: "3961", text: "Ik krijg allemaal brieven van de Belastingdienst over toeslagen en ik begrijp ze niet. Kan iemand met mij meekijken?", cats: []string{"administratie"}},
	{pc4: "3947", text: "mevrouw belt: moet een formulier invullen voor de Wmo-aanvraag (scootmobiel), ziet slecht. Wil graag dat iemand langskomt om te helpen.", cats: []string{"administratie"}, inDays: 4, part: "middag", landline: true, byStaff: true, sex: 'v'},
	{pc4: "3962", text: "I moved here from Syria last year. I would like to practise speaking Dutch with someone, maybe once a week.", cats: []string{"taal"}, slots: []string{"ma-avond", "wo-avond"}, resident: "Rania Haddad"},
	{pc4: "3961", text: "Mijn buurman komt uit Eritrea en wil beter Nederlands leren praten. Hij is heel gemotiveerd. Is er een taalmaatje voor hem?", relation: "buurvrouw", resident: "Yonas Tesfamariam"},
	{pc4: "3962", text: "Na mijn operatie mag ik een paar weken niet koken. Wie wil een paar keer per week een warme maaltijd voor mij meekoken?", cats: []string{"maaltijden"}, slots: []string{"ma-avond", "wo-avond", "vr-avond"}},
	{pc4: "3945", text: "meneer belt: eet al dagen alleen brood, kan niet goed meer koken. Vraagt of er iemand is die af en toe soep of een warme maaltijd brengt.", landline: true, byStaff: true, sex: 'm'},
	{pc4: "3961", text: "Ik lig binnenkort een paar dagen in het ziekenhuis. Wie kan mijn kat eten geven en de kattenbak verschonen?", cats: []string{"huisdieren"}, inDays: 8},
	{pc4: "3962", text: "Onze hond moet 's middags uitgelaten worden, maar ik kan door mijn knie niet ver lopen.", cats: []string{"huisdieren"}, slots: []string{"ma-middag", "wo-middag", "vr-middag"}},
	{pc4: "3961", text: "Could someone walk my dog in the mornings for the next two weeks? I broke my ankle.", slots: []string{"ma-ochtend", "di-ochtend", "wo-ochtend", "do-ochtend", "vr-ochtend"}},
	{pc4: "3962", text: "Mijn moeder verhuist naar een kleiner appartement. Wie kan helpen met dozen sjouwen en het oude huis leegmaken?", cats: []string{"verhuizen"}, inDays: 13, part: "ochtend", relation: "dochter", sex: 'v'},
	{pc4: "3947", text: "mevrouw belt: zolder en schuur moeten leeg, de spullen kunnen naar de kringloop. Heeft zelf geen auto.", cats: []string{"verhuizen"}, byStaff: true, sex: 'v'},
	{pc4: "3961", text: "Wie kan mij helpen met de ramen lappen en de vloer dweilen? Ik heb reuma in mijn handen.", cats: []string{"huishouden"}, slots: []string{"do-ochtend"}},
	{pc4: "3962", text: "Kan iemand mij helpen met strijken en de bedden verschonen? Het bukken gaat niet meer."},
	{pc4: "3961", text: "Ik zorg dag en nacht voor mijn man met dementie. Ik zou graag één middag in de week even weg kunnen, naar de kapper of een vriendin. Wie wil er dan bij hem zijn?", cats: []string{"mantelzorg"}, slots: []string{"di-middag"}, sex: 'v'},
	{pc4: "3945", text: "Echtgenote van patiënt (ALS) is overbelast en heeft respijt nodig, bij voorkeur twee ochtenden per week. Graag contact opnemen met mevrouw zelf.", cats: []string{"mantelzorg"}, slots: []string{"ma-ochtend", "do-ochtend"}, relation: "huisarts", sex: 'v'},
	{pc4: "3962", text: "Ik ben alleenstaande moeder van drie kinderen en werk in ploegendienst. Wie kan de kinderen van school halen en een uurtje opvangen?", cats: []string{"kinderen"}, slots: []string{"di-middag"}, sex: 'v'},
	{pc4: "3961", text: "Mijn zoon van 10 heeft moeite met rekenen. Is er iemand die hem een keer per week met zijn huiswerk wil helpen?", slots: []string{"wo-middag"}},
	{pc4: "3962", text: "Kan er iemand met mij mee naar de markt? Ik kan de tassen niet meer dragen.", slots: []string{"vr-ochtend"}},
	{pc4: "3961", text: "Mijn moeder heeft medicijnen klaarliggen bij de apotheek die opgehaald moeten worden. Ik woon zelf in Amersfoort.", cats: []string{"boodschappen"}, inDays: 2, part: "middag", relation: "zoon", sex: 'v'},
	{pc4: "3945", text: "meneer belt: moet morgen naar de tandarts, taxi is te duur. Loopt met rollator, past in een gewone auto.", cats: []string{"vervoer"}, inDays: 1, part: "ochtend", landline: true, byStaff: true, urgent: true, sex: 'm'},
	{pc4: "3961", text: "Wie kan mij op zaterdag naar de begraafplaats brengen? Ik wil graag het graf van mijn man bijhouden.", cats: []string{"vervoer"}, slots: []string{"za-middag"}},
	{pc4: "3962", text: "mevrouw belt: rookmelder piept, batterij moet vervangen maar ze kan er niet bij. Heeft de batterij al in huis.", cats: []string{"klussen"}, inDays: 2, landline: true, byStaff: true, sex: 'v'},
	{pc4: "3947", text: "Ik wil graag leren videobellen met mijn kleinkinderen in Australië. Ik heb een tablet maar weet niet hoe het moet.", cats: []string{"digitaal"}},
	{pc4: "3961", text: "Ik heb een stapel post liggen die ik niet durf open te maken. Rekeningen en zo. Wie helpt mij om er orde in te krijgen?"},
	{pc4: "3962", text: "Meneer woont alleen en is somber sinds hij niet meer mag autorijden. Hij zou baat hebben bij wekelijks bezoek of samen een ommetje.", cats: []string{"gezelschap"}, slots: []string{"ma-middag", "do-middag"}, relation: "wijkverpleegkundige", sex: 'm'},
	{pc4: "3945", text: "Graag hulp bij het gras maaien, de grasmaaier staat in de schuur.", inDays: 5, part: "middag"},
	{pc4: "3961", text: "Ik wil na mijn beroerte weer leren koken. Wie wil samen met mij koken en eten?", cats: []string{"maaltijden", "gezelschap"}, slots: []string{"do-middag"}},
	{pc4: "3962", text: "mevrouw belt: haar parkiet moet naar de dierenarts voor de nagels, ze heeft geen vervoer.", cats: []string{"huisdieren", "vervoer"}, inDays: 7, part: "ochtend", landline: true, byStaff: true, sex: 'v'},
	{pc4: "3947", text: "Mijn tante gaat naar een verzorgingshuis en het huis moet worden opgeruimd. Heel veel spullen en ze weet niet waar ze moet beginnen.", relation: "nicht", sex: 'v'},
	{pc4: "3961", text: "Hi, I'm recovering from surgery and can't drive for three weeks. Could someone pick up groceries for me twice a week?", slots: []string{"di-middag", "vr-middag"}},
	{pc4: "3962", text: "mevrouw belt: is oma van een tweeling, haar dochter ligt in het ziekenhuis. Zoekt iemand die woensdagmiddag de kinderen kan opvangen.", cats: []string{"kinderen"}, slots: []string{"wo-middag"}, byStaff: true, sex: 'v'},
	{pc4: "3961", text: "Mijn fiets heeft een lekke band en de ketting loopt er steeds af. Wie kan hem maken?"},
	{pc4: "3945", text: "meneer belt (zoon vertaalt): brief van het ziekenhuis niet begrepen, wil graag iemand die het in eenvoudig Nederlands uitlegt.", landline: true, byStaff: true, sex: 'm'},
	{pc4: "3962", text: "mevrouw belt: komt net uit het ziekenhuis, de thuiszorg begint pas over twee weken. Hulp nodig bij opruimen en stofzuigen.", cats: []string{"huishouden"}, inDays: 3, part: "ochtend", landline: true, byStaff: true, urgent: true, sex: 'v'},
	{pc4: "3947", text: "Ik zou graag iemand vinden om samen een partijtje schaak te spelen. Ik woon in Langbroek.", cats: []string{"gezelschap"}, slots: []string{"do-avond"}},
	{pc4: "3961", text: "Mijn vrouw en ik willen graag naar het concert in de Grote Kerk, maar we rijden 's avonds niet meer. Wie neemt ons mee?", cats: []string{"vervoer"}, inDays: 11, part: "avond", sex: 'm'},
	{pc4: "3962", text: "mevrouw belt: zorgt voor haar gehandicapte zoon (35) en wil graag een avond in de week naar het koor. Zoekt iemand die dan bij hem blijft.", cats: []string{"mantelzorg"}, slots: []string{"do-avond"}, landline: true, byStaff: true, sex: 'v'},
	{pc4: "3961", text: "Wie wil mijn boodschappen meenemen als u toch naar de Albert Heijn gaat? Ik heb geen haast, het mag elke dag.", cats: []string{"boodschappen"}},
	{pc4: "3947", text: "Mijn moeder woont alleen in Langbroek en kan niet meer naar de supermarkt. Wie wil wekelijks boodschappen voor haar doen?", slots: []string{"ma-ochtend"}, relation: "zoon", sex: 'v'},
}

// demoGen draws the people of the demo: names, addresses and phone numbers,
// each phone number once.
type demoGen struct {
	rng    *rand.Rand
	phones map[string]bool
}

// demoSet returns the Wijk bij Duurstede demo data: offers and requests as the intake would receive them.
func demoSet(today time.Time) (offers []wijkhelpt.OfferInput, requests []wijkhelpt.RequestInput) {
	g := &demoGen{rng: rand.New(rand.NewPCG(3961, 2026)), phones: map[string]bool{}}
	day := today.In(wijkhelpt.Amsterdam())
	date := func(days int) string { return day.AddDate(0, 0, days).Format(wijkhelpt.DateLayout) }

	for _, org := range demoOrgs {
		offers = append(offers, g.orgOffer(org, day))
	}
	for range 136 {
		offers = append(offers, g.volunteerOffer(day))
	}
	// Mix the organisations in among the volunteers, as they would have
	// registered over time.
	g.rng.Shuffle(len(offers), func(i, j int) { offers[i], offers[j] = offers[j], offers[i] })

	for _, a := range demoAsks {
		in := wijkhelpt.RequestInput{
			Text:        a.text,
			Categories:  append([]string(nil), a.cats...),
			Slots:       append([]string(nil), a.slots...),
			Urgent:      a.urgent,
			Consent:     wijkhelpt.ConsentWeb,
			Postcode:    g.postcode(a.pc4),
			HouseNumber: g.houseNumber(),
		}
		if a.byStaff {
			in.Consent = wijkhelpt.ConsentVerbal
		}
		if a.inDays > 0 {
			in.Date, in.DayPart = date(a.inDays), a.part
		}
		resident := a.resident
		if resident == "" {
			resident = g.name(a.sex)
		}
		in.Contact.Name = resident
		if a.relation != "" {
			in.OnBehalfOf = &wijkhelpt.Person{Name: resident, Relation: a.relation}
			in.Contact.Name = g.name(relationSex(a.relation))
			if a.relation == "huisarts" {
				in.Contact.Name = "dokter " + surname(in.Contact.Name)
			}
		}
		if a.byStaff {
			// Staff type the name the way the caller gives it.
			in.Contact.Name = staffName(in.Contact.Name, a.text)
		}
		if a.landline {
			in.Contact.Phone = g.landline()
		} else {
			in.Contact.Phone = g.mobile()
		}
		if !a.byStaff && g.rng.IntN(3) == 0 {
			in.Contact.Email = g.email(in.Contact.Name)
		}
		requests = append(requests, in)
	}
	return offers, requests
}

// relationSex tells from how a caller relates to the resident whether the
// caller is a woman ('v') or a man ('m'), or 0 when it does not say.
func relationSex(relation string) byte {
	switch relation {
	case "dochter", "buurvrouw", "nicht", "moeder", "tante":
		return 'v'
	case "zoon", "buurman", "neef", "vader", "oom":
		return 'm'
	}
	return 0
}

// staffName writes a caller's name as phone-line staff do: "mevrouw Jansen".
func staffName(name, text string) string {
	switch {
	case strings.HasPrefix(text, "mevrouw"):
		return "mevrouw " + surname(name)
	case strings.HasPrefix(text, "meneer"):
		return "meneer " + surname(name)
	}
	return name
}

func (g *demoGen) orgOffer(org demoOrg, day time.Time) wijkhelpt.OfferInput {
	in := wijkhelpt.OfferInput{
		Kind:          wijkhelpt.OfferOrganisation,
		Name:          g.name(0),
		Organisation:  org.name,
		Phone:         g.mobile(),
		Postcode:      g.postcode(org.pc4),
		HouseNumber:   g.houseNumber(),
		Categories:    append([]string(nil), org.categories...),
		Slots:         append([]string(nil), org.slots...),
		Text:          org.text,
		MaxDistanceKm: []float64{10, 12, 15}[g.rng.IntN(3)],
		Capacity:      3,
		Transport:     "car",
		Languages:     []string{"nl"},
	}
	in.Email = "info." + asciiLetters(org.name) + "@example.nl"
	if org.vog {
		in.VOGDate = day.AddDate(-1, -g.rng.IntN(12), -g.rng.IntN(28)).Format(wijkhelpt.DateLayout)
	}
	return in
}

// asciiLetters keeps the letters a-z of s, lower-cased.
func asciiLetters(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		if r >= 'a' && r <= 'z' {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// surname is everything after the first name: "de Vries" in "Jan de Vries".
func surname(name string) string {
	_, rest, _ := strings.Cut(name, " ")
	return rest
}

func (g *demoGen) volunteerOffer(day time.Time) wijkhelpt.OfferInput {
	r := g.rng
	in := wijkhelpt.OfferInput{
		Kind:        wijkhelpt.OfferVolunteer,
		Name:        g.name(0),
		Phone:       g.mobile(),
		Postcode:    g.postcode(g.area()),
		HouseNumber: g.houseNumber(),
		Categories:  g.categories(1 + r.IntN(3) + r.IntN(2)),
		Capacity:    1 + r.IntN(3),
		Languages:   []string{"nl"},
	}
	if r.IntN(10) < 6 {
		in.Email = g.email(in.Name)
	}
	in.Transport = []string{"walk", "bike", "bike", "bike", "car", "car", "car"}[r.IntN(7)]
	if has(in.Categories, "vervoer") && r.IntN(5) > 0 {
		in.Transport = "car" // most who offer rides have a car; some walk along to the GP
	}
	switch in.Transport {
	case "walk":
		in.MaxDistanceKm = []float64{2, 2, 3}[r.IntN(3)]
	case "bike":
		in.MaxDistanceKm = []float64{3, 4, 5, 5, 7.5}[r.IntN(5)]
	default:
		in.MaxDistanceKm = []float64{5, 7.5, 10, 10, 15}[r.IntN(5)]
	}
	week, slots := g.availability()
	in.Slots = slots
	intros := demoIntros[week]
	lines := []string{intros[r.IntN(len(intros))]}
	for i, c := range in.Categories {
		if i >= 2 {
			break
		}
		line := demoOfferLines[c][r.IntN(2)]
		if c == "vervoer" {
			// Driving people about needs a car; without one, walking along does.
			line = demoOfferLines[c][1]
			if in.Transport == "car" {
				line = demoOfferLines[c][0]
			}
		}
		lines = append(lines, line)
	}
	in.Text = strings.TrimSpace(strings.Join(lines, " "))
	if r.IntN(8) == 0 {
		in.Languages = append(in.Languages, []string{"en", "de", "tr", "ar", "pl", "fr"}[r.IntN(6)])
	}

	// VOG: needed for respite care and children, sometimes recorded anyway
	// (teachers, carers). Some have lapsed: older than three years.
	needsVOG := has(in.Categories, "mantelzorg") || has(in.Categories, "kinderen")
	switch v := r.IntN(10); {
	case needsVOG && v < 6, !needsVOG && v == 0:
		in.VOGDate = day.AddDate(-r.IntN(3), -r.IntN(12), -r.IntN(28)).Format(wijkhelpt.DateLayout)
	case needsVOG && v < 8:
		in.VOGDate = day.AddDate(-3-r.IntN(3), -1-r.IntN(10), 0).Format(wijkhelpt.DateLayout)
	}
	// Some are away for a while: a holiday soon, or one that just ended.
	if r.IntN(9) == 0 {
		start := r.IntN(25) - 5
		in.Away = []wijkhelpt.Period{{
			From: day.AddDate(0, 0, start).Format(wijkhelpt.DateLayout),
			To:   day.AddDate(0, 0, start+3+r.IntN(18)).Format(wijkhelpt.DateLayout),
		}}
	}
	return in
}

func has(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func (g *demoGen) area() string {
	n := g.rng.IntN(100)
	for _, a := range demoAreas {
		if n < a.weight {
			return a.pc4
		}
		n -= a.weight
	}
	return demoAreas[0].pc4
}

// categories draws n different categories, popular ones more often.
func (g *demoGen) categories(n int) []string {
	total := 0
	for _, c := range demoCategoryWeights {
		total += c.weight
	}
	var out []string
	for len(out) < n {
		x := g.rng.IntN(total)
		for _, c := range demoCategoryWeights {
			if x < c.weight {
				if !has(out, c.code) {
					out = append(out, c.code)
				}
				break
			}
			x -= c.weight
		}
	}
	return out
}

// availability draws a weekly grid that fits a kind of life: retired people
// on weekdays, working people in evenings and weekends, students in the
// afternoon and evening, and a few who are free almost always.
func (g *demoGen) availability() (week string, slots []string) {
	r := g.rng
	days := []string{"ma", "di", "wo", "do", "vr", "za", "zo"}
	var pool []string
	var n int
	switch r.IntN(10) {
	case 0, 1, 2, 3:
		week = "retired"
		for _, d := range days[:5] {
			pool = append(pool, d+"-ochtend", d+"-middag")
		}
		n = 3 + r.IntN(6)
	case 4, 5, 6:
		week = "working"
		for _, d := range days[:5] {
			pool = append(pool, d+"-avond")
		}
		pool = append(pool, "za-ochtend", "za-middag", "zo-middag")
		n = 2 + r.IntN(4)
	case 7, 8:
		week = "student"
		for _, d := range days {
			pool = append(pool, d+"-middag", d+"-avond")
		}
		n = 3 + r.IntN(5)
	default:
		week = "free"
		for _, d := range days {
			pool = append(pool, d+"-ochtend", d+"-middag", d+"-avond")
		}
		n = 12 + r.IntN(7)
	}
	r.Shuffle(len(pool), func(i, j int) { pool[i], pool[j] = pool[j], pool[i] })
	return week, pool[:min(n, len(pool))]
}

// name draws a woman's ('v') or man's ('m') name, or either for 0.
func (g *demoGen) name(sex byte) string {
	if sex == 0 {
		sex = "vm"[g.rng.IntN(2)]
	}
	first := demoMen
	if sex == 'v' {
		first = demoWomen
	}
	return first[g.rng.IntN(len(first))] + " " + demoLastNames[g.rng.IntN(len(demoLastNames))]
}

// postcode draws a postcode in the area: two letters, never SA, SD or SS,
// and mostly from the letters PostNL uses most.
func (g *demoGen) postcode(pc4 string) string {
	const letters = "ABCDEGHJKLMNPRSTVWXZ"
	for {
		pair := string([]byte{letters[g.rng.IntN(len(letters))], letters[g.rng.IntN(len(letters))]})
		switch pair {
		case "SA", "SD", "SS":
			continue
		}
		// Written the ways people write them.
		switch g.rng.IntN(4) {
		case 0:
			return pc4 + pair
		case 1:
			return pc4 + strings.ToLower(pair)
		}
		return pc4 + " " + pair
	}
}

func (g *demoGen) houseNumber() string {
	r := g.rng
	n := 1 + r.IntN(60)
	if r.IntN(4) == 0 {
		n += r.IntN(140)
	}
	switch r.IntN(20) {
	case 0, 1:
		return fmt.Sprintf("%d%c", n, 'a'+r.IntN(4))
	case 2:
		return fmt.Sprintf("%d %c", n, 'A'+r.IntN(3))
	case 3:
		return fmt.Sprintf("%d-%d", n, 1+r.IntN(3))
	case 4:
		return fmt.Sprintf("%d bis", n)
	}
	return fmt.Sprint(n)
}

// mobile draws a new Dutch mobile number, written in one of the ways people
// write them.
func (g *demoGen) mobile() string {
	for {
		d := fmt.Sprintf("%d%07d", 1+g.rng.IntN(5), g.rng.IntN(10_000_000))
		if g.phones["6"+d] {
			continue
		}
		g.phones["6"+d] = true
		switch g.rng.IntN(8) {
		case 0:
			return "06 " + d[:4] + " " + d[4:]
		case 1:
			return "06" + d
		case 2:
			return "+31 6 " + d
		case 3:
			return "+31 6 " + d[:2] + " " + d[2:4] + " " + d[4:6] + " " + d[6:]
		case 4:
			return "+316" + d
		case 5:
			return "+31 (0)6 " + d[:4] + " " + d[4:]
		case 6:
			return "0031 6 " + d
		}
		return "06-" + d
	}
}

// landline draws a new number in Wijk bij Duurstede's area code 0343.
func (g *demoGen) landline() string {
	for {
		d := fmt.Sprintf("5%d%04d", 1+g.rng.IntN(9), g.rng.IntN(10_000))
		if g.phones["343"+d] {
			continue
		}
		g.phones["343"+d] = true
		if g.rng.IntN(2) == 0 {
			return "0343-" + d
		}
		return "0343 " + d[:2] + " " + d[2:4] + " " + d[4:]
	}
}

// email makes an address at example.nl, which can never reach anyone.
func (g *demoGen) email(name string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(name) {
		switch {
		case r >= 'a' && r <= 'z':
			b.WriteRune(r)
		case r == ' ' && b.Len() > 0:
			b.WriteRune('.')
		}
	}
	local := strings.Trim(strings.ReplaceAll(b.String(), "..", "."), ".")
	return fmt.Sprintf("%s%d@example.nl", local, g.rng.IntN(90)+10)
}

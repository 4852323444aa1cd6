package portal

import "wijkhelpt"

// Texts the pages build in Go, in Dutch (B1, plain language) and English.
// Texts that belong to one template are written in that template, side by
// side ({{.T "nl" "en"}}), so a page can never miss one of its languages.

// requestStateName is a request state in a few plain words, for staff lists.
func requestStateName(s wijkhelpt.RequestStatus) wijkhelpt.Text {
	switch s {
	case wijkhelpt.RequestOpen:
		return wijkhelpt.T("open", "open")
	case wijkhelpt.RequestProposed:
		return wijkhelpt.T("gevraagd, wacht op antwoord", "asked, awaiting answer")
	case wijkhelpt.RequestMatched:
		return wijkhelpt.T("geregeld", "arranged")
	case wijkhelpt.RequestDone:
		return wijkhelpt.T("klaar", "done")
	case wijkhelpt.RequestReferred:
		return wijkhelpt.T("doorverwezen", "referred")
	case wijkhelpt.RequestCancelled:
		return wijkhelpt.T("geannuleerd", "cancelled")
	case wijkhelpt.RequestExpired:
		return wijkhelpt.T("verlopen", "expired")
	}
	return wijkhelpt.T(string(s), string(s))
}

// matchStateName is a match state in a few plain words.
func matchStateName(s wijkhelpt.MatchStatus) wijkhelpt.Text {
	switch s {
	case wijkhelpt.MatchProposed:
		return wijkhelpt.T("gevraagd", "asked")
	case wijkhelpt.MatchAccepted:
		return wijkhelpt.T("zei JA", "said YES")
	case wijkhelpt.MatchDeclined:
		return wijkhelpt.T("zei NEE", "said NO")
	case wijkhelpt.MatchTimedOut:
		return wijkhelpt.T("geen antwoord op tijd", "no answer in time")
	case wijkhelpt.MatchCancelled:
		return wijkhelpt.T("ingetrokken", "withdrawn")
	case wijkhelpt.MatchCompleted:
		return wijkhelpt.T("afgerond", "completed")
	}
	return wijkhelpt.T(string(s), string(s))
}

// attentionName explains why a request is back in the mediator's queue.
func attentionName(reason string) wijkhelpt.Text {
	switch reason {
	case "":
		return wijkhelpt.Text{}
	case string(wijkhelpt.MatchDeclined):
		return wijkhelpt.T("Een vrijwilliger zei NEE.", "A volunteer said NO.")
	case string(wijkhelpt.MatchTimedOut):
		return wijkhelpt.T("Een vrijwilliger gaf geen antwoord op tijd.", "A volunteer did not answer in time.")
	case string(wijkhelpt.MatchCancelled):
		return wijkhelpt.T("De koppeling is ingetrokken.", "The match was withdrawn.")
	case "followup_failed":
		return wijkhelpt.T("De bewoner zegt dat de hulp niet gelukt is.", "The resident says the help did not work out.")
	}
	return wijkhelpt.T("Kijk hier nog eens naar.", "Please look at this again.")
}

// flashTexts maps the short flash codes that travel in the redirect URL to
// their texts; a code in the URL never carries personal data.
func flashTexts() map[string]wijkhelpt.Text {
	return map[string]wijkhelpt.Text{
		"saved":       wijkhelpt.T("Opgeslagen.", "Saved."),
		"note":        wijkhelpt.T("De notitie is opgeslagen.", "The note was saved."),
		"confirmed":   wijkhelpt.T("Bevestigd. De vrijwilliger krijgt nu een SMS met de vraag.", "Confirmed. The volunteer now gets a text message with the question."),
		"referred":    wijkhelpt.T("De hulpvraag is doorverwezen.", "The request was referred."),
		"cancelled":   wijkhelpt.T("De hulpvraag is geannuleerd.", "The request was cancelled."),
		"withdrawn":   wijkhelpt.T("De vraag aan de vrijwilliger is ingetrokken.", "The question to the volunteer was withdrawn."),
		"blocked":     wijkhelpt.T("Deze vrijwilliger wordt niet meer voorgesteld voor deze hulpvraag.", "This volunteer will no longer be suggested for this request."),
		"yes":         wijkhelpt.T("Dank je wel! Je ziet het adres nu bij je taken.", "Thank you! You can now see the address with your tasks."),
		"no":          wijkhelpt.T("Dank je voor je antwoord. We vragen iemand anders.", "Thank you for answering. We will ask someone else."),
		"paused":      wijkhelpt.T("Je staat op pauze. Je krijgt geen nieuwe vragen.", "You are paused. You will not get new questions."),
		"resumed":     wijkhelpt.T("Welkom terug. Je kunt weer vragen krijgen.", "Welcome back. You can get questions again."),
		"away":        wijkhelpt.T("De periode is opgeslagen. In die dagen krijg je geen vragen.", "The period was saved. You will not get questions on those days."),
		"awayremoved": wijkhelpt.T("De periode is verwijderd.", "The period was removed."),
		"hours":       wijkhelpt.T("Dank je! De uren zijn opgeslagen en de taak is afgerond.", "Thank you! The hours were saved and the task is completed."),
		"registered":  wijkhelpt.T("Welkom bij WijkHelpt! Je aanmelding is gelukt.", "Welcome to WijkHelpt! You are registered."),
		"callback":    wijkhelpt.T("Het terugbellen is afgevinkt.", "The call-back was ticked off."),
		"user":        wijkhelpt.T("Het account is opgeslagen.", "The account was saved."),
		"vog":         wijkhelpt.T("De VOG is vastgelegd.", "The VOG was recorded."),
		"loggedout":   wijkhelpt.T("U bent uitgelogd.", "You are logged out."),
		"offersaved":  wijkhelpt.T("Het aanbod is opgeslagen.", "The offer was saved."),
		"edited":      wijkhelpt.T("De hulpvraag is aangepast.", "The request was changed."),
	}
}

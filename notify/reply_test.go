package notify

import (
	"testing"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"
)

func TestParseReply(t *testing.T) {
	tests := []struct {
		in   string
		want Reply
	}{
		{"JA", Reply{Kind: ReplyYes, Lang: "nl"}},
		{"ja", Reply{Kind: ReplyYes, Lang: "nl"}},
		{" Ja! ", Reply{Kind: ReplyYes, Lang: "nl"}},
		{"ja!", Reply{Kind: ReplyYes, Lang: "nl"}},
		{"Ja 4821", Reply{Kind: ReplyYes, Code: "4821", Lang: "nl"}},
		{"JA4821", Reply{Kind: ReplyYes, Code: "4821", Lang: "nl"}},
		{"ja, 4821.", Reply{Kind: ReplyYes, Code: "4821", Lang: "nl"}},
		{"4821 ja", Reply{Kind: ReplyYes, Code: "4821", Lang: "nl"}},
		{"Jaaa graag", Reply{Kind: ReplyYes, Lang: "nl"}},
		{"jawel hoor 4821", Reply{Kind: ReplyYes, Code: "4821", Lang: "nl"}},
		{"Prima!", Reply{Kind: ReplyYes, Lang: "nl"}},
		{"YES 4821", Reply{Kind: ReplyYes, Code: "4821", Lang: "en", OptIn: true}},
		{"y", Reply{Kind: ReplyYes, Lang: "en"}},
		{"NEE", Reply{Kind: ReplyNo, Lang: "nl"}},
		{"nee dank je", Reply{Kind: ReplyNo, Lang: "nl"}},
		{"Nee, dank je wel. 4821", Reply{Kind: ReplyNo, Code: "4821", Lang: "nl"}},
		{"neeee", Reply{Kind: ReplyNo, Lang: "nl"}},
		{"Helaas, ik kan niet", Reply{Kind: ReplyNo, Lang: "nl"}},
		{"no 1234", Reply{Kind: ReplyNo, Code: "1234", Lang: "en"}},
		{"1", Reply{Kind: ReplyDone, Lang: "nl"}},
		{"1.", Reply{Kind: ReplyDone, Lang: "nl"}},
		{" 2 ", Reply{Kind: ReplyNotDone, Lang: "nl"}},
		{"1 gelukt", Reply{Kind: ReplyDone, Lang: "nl"}},
		{"Gelukt!", Reply{Kind: ReplyDone, Lang: "nl"}},
		{"niet gelukt", Reply{Kind: ReplyNotDone, Lang: "nl"}},
		{"STOP", Reply{Kind: ReplyStop, Lang: "nl"}},
		{"stop!", Reply{Kind: ReplyStop, Lang: "nl"}},
		{"Stoppen", Reply{Kind: ReplyStop, Lang: "nl"}},
		{"STOPALL", Reply{Kind: ReplyStop, Lang: "nl"}},
		{"unsubscribe", Reply{Kind: ReplyStop, Lang: "nl"}},
		{"Cancel", Reply{Kind: ReplyStop, Lang: "en"}},
		{"END", Reply{Kind: ReplyStop, Lang: "en"}},
		{"quit", Reply{Kind: ReplyStop, Lang: "en"}},
		{"opt out", Reply{Kind: ReplyStop, Lang: "en"}},
		{"stop met sms", Reply{Kind: ReplyStop, Lang: "nl"}},
		{"START", Reply{Kind: ReplyStart, Lang: "nl", OptIn: true}},
		{"unstop", Reply{Kind: ReplyStart, Lang: "nl", OptIn: true}},
		{"INFO", Reply{Kind: ReplyHelp, Lang: "nl"}},
		{"help", Reply{Kind: ReplyHelp, Lang: "en"}},
		{"Help?", Reply{Kind: ReplyHelp, Lang: "en"}},
		// Not understood: ask again rather than guess.
		{"", Reply{Lang: "nl"}},
		{"4821", Reply{Lang: "nl"}},
		{"ja nee", Reply{Lang: "nl"}},
		{"ja 4821 5532", Reply{Lang: "nl"}},
		{"ik wil graag weten wat dit is", Reply{Lang: "nl"}},
		{"cancel my task please", Reply{Lang: "nl"}},
		{"wie is dit?", Reply{Lang: "nl"}},
		{"👍", Reply{Lang: "nl"}},
		{"één", Reply{Lang: "nl"}},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got := ParseReply(tt.in)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("ParseReply(%q) (-want +got):\n%s", tt.in, diff)
			}
		})
	}
}

func FuzzParseReply(f *testing.F) {
	for _, s := range []string{"JA 4821", "nee dank je", "STOP", "1", "Ja!!", "stop", "\xff\xfe", "ja\u00a04821"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, body string) {
		got := ParseReply(body)
		if got != ParseReply(body) {
			t.Fatalf("ParseReply(%q) is not deterministic", body)
		}
		if got.Code != "" && (!isCode(got.Code) || (got.Kind != ReplyYes && got.Kind != ReplyNo)) {
			t.Fatalf("ParseReply(%q) = %+v: a code only comes with JA or NEE", body, got)
		}
		if got.Lang != "nl" && got.Lang != "en" {
			t.Fatalf("ParseReply(%q) = %+v: language %q", body, got, got.Lang)
		}
		if got.Kind < ReplyUnknown || got.Kind > ReplyHelp {
			t.Fatalf("ParseReply(%q) = %+v: unknown kind", body, got)
		}
		if utf8.ValidString(body) && got.Kind == ReplyStop && len(tokens(body)) == 0 {
			t.Fatalf("ParseReply(%q) = stop without a word", body)
		}
	})
}

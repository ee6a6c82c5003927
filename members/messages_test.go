package members

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/sentralbord/sentralbord/internal/redistest"
)

func TestMessageFlowWithConfirmation(t *testing.T) {
	ctx := context.Background()
	ms := NewMessages(redistest.Start(t).Client(t), "t")
	id, err := ms.Send(ctx, Message{Dept: "faktura", Member: "1000002", Text: "Ring tilbake om faktura", From: "kari", Confirm: true})
	if err != nil {
		t.Fatal(err)
	}
	quiet, _ := ms.Send(ctx, Message{Dept: "faktura", Member: "1000003", Text: "Til orientering", From: "kari"})
	if _, err := ms.Send(ctx, Message{Dept: "faktura", From: "kari"}); !errors.Is(err, ErrEmptyMessage) {
		t.Fatalf("empty text: %v", err)
	}

	open, err := ms.List(ctx, "faktura", true, 0)
	if err != nil || len(open) != 2 || open[0].ID != id || open[0].HeldBy != "" {
		t.Fatalf("open list: %+v %v", open, err)
	}
	got, err := ms.Read(ctx, "faktura", "ola", 1)
	if err != nil || len(got) != 1 || got[0].ID != id || !got[0].Confirm || got[0].Member != "1000002" {
		t.Fatalf("read: %+v %v", got, err)
	}
	if open, _ = ms.List(ctx, "faktura", true, 0); open[0].HeldBy != "ola" || open[0].Deliveries != 1 {
		t.Fatalf("after read: %+v", open[0])
	}
	mine, _ := ms.Mine(ctx, "kari", 10)
	if len(mine) != 2 || mine[1].ID != id || mine[1].Done != nil {
		t.Fatalf("mine before done: %+v", mine)
	}

	if changed, err := ms.Done(ctx, id, "ola", "Ringt opp"); err != nil || !changed {
		t.Fatalf("done: %v %v", changed, err)
	}
	if changed, _ := ms.Done(ctx, id, "ola", ""); changed {
		t.Fatal("second done reported a change")
	}
	if _, err := ms.Done(ctx, "faktura/1-0", "ola", ""); !errors.Is(err, ErrUnknownMessage) {
		t.Fatalf("unknown id: %v", err)
	}
	if changed, _ := ms.Done(ctx, quiet, "ola", ""); !changed {
		t.Fatal("done before anyone read it")
	}
	if open, _ = ms.List(ctx, "faktura", true, 0); len(open) != 0 {
		t.Fatalf("open after done: %+v", open)
	}
	if all, _ := ms.List(ctx, "faktura", false, 0); len(all) != 2 || all[0].Done == nil || all[0].Done.Note != "Ringt opp" {
		t.Fatalf("all after done: %+v", all)
	}
	if again, _ := ms.Read(ctx, "faktura", "per", 10); len(again) != 0 {
		t.Fatalf("done messages delivered again: %+v", again)
	}
	mine, _ = ms.Mine(ctx, "kari", 10)
	if mine[1].Done == nil || mine[1].Done.By != "ola" || mine[0].Done != nil {
		t.Fatalf("mine: confirmation only where asked: %+v", mine)
	}
}

func TestMessageRedeliveredWhenReaderDies(t *testing.T) {
	ctx := context.Background()
	srv := redistest.Start(t)
	dying := NewMessages(srv.Client(t), "t")
	id, err := dying.Send(ctx, Message{Dept: "juridisk", Member: "1000005", Text: "Sak om fullmakt", From: "kari"})
	if err != nil {
		t.Fatal(err)
	}
	got, err := dying.Read(ctx, "juridisk", "ola", 10)
	if err != nil || len(got) != 1 {
		t.Fatalf("read: %+v %v", got, err)
	}
	// The reader's process ends between read and done.
	dying.c.Close()

	ms := NewMessages(srv.Client(t), "t")
	ms.ClaimAfter = 50 * time.Millisecond
	if got, _ := ms.Read(ctx, "juridisk", "per", 10); len(got) != 0 {
		t.Fatalf("taken from a reader that may still be working: %+v", got)
	}
	time.Sleep(80 * time.Millisecond) // the message must sit unfinished for ClaimAfter
	got, err = ms.Read(ctx, "juridisk", "per", 10)
	if err != nil || len(got) != 1 || got[0].ID != id {
		t.Fatalf("redelivery: %+v %v", got, err)
	}
	list, _ := ms.List(ctx, "juridisk", true, 0)
	if len(list) != 1 || list[0].HeldBy != "per" || list[0].Deliveries != 2 {
		t.Fatalf("after redelivery: %+v", list)
	}
	if changed, err := ms.Done(ctx, id, "per", ""); err != nil || !changed {
		t.Fatalf("done: %v %v", changed, err)
	}
}

func TestSplitID(t *testing.T) {
	for _, bad := range []string{"", "faktura", "faktura/", "Faktura/1-0", "faktura/1", "../x/1-0"} {
		if _, _, err := SplitID(bad); !errors.Is(err, ErrUnknownMessage) {
			t.Errorf("SplitID(%q) = %v", bad, err)
		}
	}
	if d, s, err := SplitID("faktura/1767168000000-3"); err != nil || d != "faktura" || s != "1767168000000-3" {
		t.Errorf("SplitID: %s %s %v", d, s, err)
	}
}

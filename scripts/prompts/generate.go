package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
)

// Layouts are the directories under the output root, one per PBX; each
// holds <lang>/sentralbord/<name>.wav.
var Layouts = []string{"asterisk", "freeswitch"}

// Generate writes every prompt in every language and layout under out.
func Generate(ctx context.Context, prompts []Prompt, out string) error {
	for _, tool := range []string{"espeak-ng", "sox"} {
		if _, err := exec.LookPath(tool); err != nil {
			return fmt.Errorf("%s is not installed (apt-get install espeak-ng sox)", tool)
		}
	}
	tmp, err := os.MkdirTemp("", "sentralbord-prompts-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	for _, p := range prompts {
		for _, l := range Languages {
			raw := filepath.Join(tmp, l.Dir+"-"+p.Name+".wav")
			speak := exec.CommandContext(ctx, "espeak-ng", "-v", l.Voice, "-s", "150", "-w", raw, p.Text[l.Dir])
			if b, err := speak.CombinedOutput(); err != nil {
				return fmt.Errorf("espeak-ng %s/%s: %v: %s", l.Dir, p.Name, err, b)
			}
			for _, layout := range Layouts {
				dst := filepath.Join(out, layout, l.Dir, "sentralbord", p.Name+".wav")
				if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
					return err
				}
				// Telephone quality: 8 kHz, mono, 16-bit signed PCM, a little
				// quieter so that no peak clips after the codec.
				conv := exec.CommandContext(ctx, "sox", raw, "-r", "8000", "-c", "1", "-b", "16", "-e", "signed-integer", dst, "gain", "-n", "-3")
				if b, err := conv.CombinedOutput(); err != nil {
					return fmt.Errorf("sox %s: %v: %s", dst, err, b)
				}
			}
		}
	}
	return nil
}

func main() {
	texts := flag.String("texts", "scripts/prompts.tsv", "the prompts' texts")
	out := flag.String("out", "sounds", "output directory")
	flag.Parse()
	if err := run(context.Background(), *texts, *out); err != nil {
		fmt.Fprintln(os.Stderr, "prompts:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, texts, out string) error {
	f, err := os.Open(texts)
	if err != nil {
		return err
	}
	defer f.Close()
	prompts, err := ParseTexts(f)
	if err != nil {
		return fmt.Errorf("%s: %w", texts, err)
	}
	if err := Generate(ctx, prompts, out); err != nil {
		return err
	}
	fmt.Printf("%d prompts in %d languages written under %s\n", len(prompts), len(Languages), out)
	return nil
}

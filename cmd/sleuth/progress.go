package main

import (
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"

	"golang.org/x/term"
)

// progress reports the advance of long work on stderr: a redrawn bar with
// rate and ETA on a terminal, a plain line every few seconds otherwise (logs,
// CI). It is safe for concurrent use.
type progress struct {
	mu       sync.Mutex
	w        io.Writer
	tty      bool
	width    int
	label    string
	total    int
	done     int
	start    time.Time
	last     time.Time
	interval time.Duration
	now      func() time.Time
}

// newProgress starts a progress report for total items (0 if unknown).
func newProgress(w io.Writer, label string, total int) *progress {
	p := &progress{w: w, label: label, total: total, now: time.Now, interval: 5 * time.Second, width: 80}
	if f, ok := w.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		p.tty = true
		p.interval = 100 * time.Millisecond
		if cols, _, err := term.GetSize(int(f.Fd())); err == nil && cols > 40 {
			p.width = cols
		}
	}
	p.start = p.now()
	p.last = p.start
	return p
}

// add records n more items done and redraws when it is time.
func (p *progress) add(n int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.done += n
	t := p.now()
	if t.Sub(p.last) < p.interval && p.done != p.total {
		return
	}
	p.last = t
	p.draw(t)
}

// finish clears the bar (terminal) so that a summary can follow.
func (p *progress) finish() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.tty {
		fmt.Fprintf(p.w, "\r%s\r", strings.Repeat(" ", p.width-1))
	}
}

func (p *progress) draw(t time.Time) {
	elapsed := t.Sub(p.start).Seconds()
	rate := 0.0
	if elapsed > 0 {
		rate = float64(p.done) / elapsed
	}
	status := fmt.Sprintf("%d", p.done)
	eta := ""
	if p.total > 0 {
		status = fmt.Sprintf("%d/%d %3.0f%%", p.done, p.total, 100*float64(p.done)/float64(p.total))
		if rate > 0 && p.done < p.total {
			eta = " ETA " + formatDuration(time.Duration(float64(p.total-p.done)/rate*float64(time.Second)))
		}
	}
	text := fmt.Sprintf("%s %s %.1f/s%s", p.label, status, rate, eta)
	if !p.tty {
		fmt.Fprintln(p.w, text)
		return
	}
	bar := ""
	if p.total > 0 {
		n := max(10, p.width-len(text)-4)
		fill := n * p.done / p.total
		bar = "[" + strings.Repeat("=", fill) + strings.Repeat(" ", n-fill) + "] "
	}
	line := bar + text
	if len(line) > p.width-1 {
		line = line[:p.width-1]
	}
	fmt.Fprintf(p.w, "\r%-*s", p.width-1, line)
}

// formatDuration prints d as h:mm:ss or m:ss.
func formatDuration(d time.Duration) string {
	s := int(d.Round(time.Second).Seconds())
	if s >= 3600 {
		return fmt.Sprintf("%d:%02d:%02d", s/3600, s/60%60, s%60)
	}
	return fmt.Sprintf("%d:%02d", s/60, s%60)
}

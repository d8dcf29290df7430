package main

import (
	"fmt"
	"io"
	"os"
	"sync"
	"time"
)

// progress shows one line per stack: redrawn in place on a terminal, and printed once per change
// of a stack's line otherwise. Safe for concurrent use.
type progress struct {
	mu       sync.Mutex
	out      io.Writer
	tty      bool
	names    []string
	lines    map[string]string
	width    int
	drawn    int
	lastDraw time.Time
}

func newProgress(names []string, out *os.File) *progress {
	p := &progress{out: out, names: names, lines: map[string]string{}}
	if info, err := out.Stat(); err == nil {
		p.tty = info.Mode()&os.ModeCharDevice != 0
	}
	for _, n := range names {
		p.lines[n] = "queued"
		p.width = max(p.width, len(n))
	}
	return p
}

// update sets a stack's line; a terminal is redrawn at most 10 times a second unless force.
func (p *progress) update(name, line string, force bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.lines[name] == line {
		return
	}
	p.lines[name] = line
	if !p.tty {
		fmt.Fprintf(p.out, "%-*s  %s\n", p.width, name, line)
		return
	}
	if force || time.Since(p.lastDraw) >= 100*time.Millisecond {
		p.draw()
		p.lastDraw = time.Now()
	}
}

// finish draws the final state of every line (plain output is complete already).
func (p *progress) finish() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.tty {
		p.draw()
	}
}

func (p *progress) draw() {
	if p.drawn > 0 {
		fmt.Fprintf(p.out, "\x1b[%dF", p.drawn)
	}
	for _, n := range p.names {
		fmt.Fprintf(p.out, "\x1b[2K%-*s  %s\n", p.width, n, p.lines[n])
	}
	p.drawn = len(p.names)
}

package resetpw_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// readmeGoBlock matches a Go snippet of the README with the marker before
// it: the file (from the module's root) and the Example it is copied from.
var readmeGoBlock = regexp.MustCompile("(?ms)(?:<!-- snippet: (\\S+) (Example\\w*) -->\\n)?```go\\n(.*?)```")

// exampleBody returns the body of the Example function name in file, each
// line without its first tab, as gofmt wrote it.
func exampleBody(t *testing.T, file, name string) string {
	t.Helper()
	src, err := os.ReadFile(file)
	require.NoError(t, err)
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, file, src, 0)
	require.NoError(t, err)
	for _, d := range f.Decls {
		fn, ok := d.(*ast.FuncDecl)
		if !ok || fn.Name.Name != name || fn.Recv != nil {
			continue
		}
		body := string(src[fset.Position(fn.Body.Lbrace).Offset+1 : fset.Position(fn.Body.Rbrace).Offset])
		lines := strings.Split(strings.Trim(body, "\n"), "\n")
		for i, l := range lines {
			lines[i] = strings.TrimPrefix(l, "\t")
		}
		return strings.Join(lines, "\n") + "\n"
	}
	t.Fatalf("%s has no func %s", file, name)
	return ""
}

// Every Go snippet of the README is copied from an Example function, which
// the tests compile and run (and check its Output): a snippet that is no
// longer the Example's code, or a block with no marker naming one, fails.
func TestREADMESnippets(t *testing.T) {
	b, err := os.ReadFile("../README.md")
	require.NoError(t, err)
	blocks := readmeGoBlock.FindAllStringSubmatch(string(b), -1)
	require.NotEmpty(t, blocks, "the README has Go snippets")
	for i, m := range blocks {
		file, name, snippet := m[1], m[2], m[3]
		t.Run(name, func(t *testing.T) {
			require.NotEmpty(t, name, "Go block %d of the README has no <!-- snippet: FILE ExampleX --> marker", i+1)
			require.NotEmpty(t, strings.TrimSpace(snippet), "Go block %d is empty", i+1)
			require.True(t, strings.HasSuffix(file, "_test.go"), "%s is no test file", file)
			body := exampleBody(t, filepath.Join("..", filepath.FromSlash(file)), name)
			assert.Contains(t, body, snippet, "the README's snippet is no longer %s's code in %s: copy it again", name, file)
		})
	}
}

// The README's test command is the one .ci/run runs, verbatim.
func TestREADMETestCommand(t *testing.T) {
	readme, err := os.ReadFile("../README.md")
	require.NoError(t, err)
	ci, err := os.ReadFile("../.ci/run")
	require.NoError(t, err)
	two := regexp.MustCompile("(?s)## Two commands\\n.*?```sh\\n(.*?)```").FindSubmatch(readme)
	require.NotNil(t, two, "the README has its two commands")
	var cmds []string
	for _, l := range strings.Split(string(two[1]), "\n") {
		if cmd, _, _ := strings.Cut(l, "#"); strings.TrimSpace(cmd) != "" {
			cmds = append(cmds, strings.TrimSpace(cmd))
		}
	}
	require.Equal(t, []string{"go -C examples run ./quickstart", "go test ./... && go -C examples test ./..."}, cmds)
	run := regexp.MustCompile(`(?m)^\s*(?:\w+=("[^"]*"|\S+) )*` + regexp.QuoteMeta(cmds[1]) + `$`)
	assert.Regexp(t, run, string(ci), ".ci/run runs the README's test command as it is")
}

// The README's links, and those of the pages it moved material to, name
// files of the module.
func TestREADMELinks(t *testing.T) {
	link := regexp.MustCompile(`\]\(([^)#\s]+)(?:#[^)]*)?\)`)
	for _, page := range []string{"README.md", "docs/guide.md", "examples/admin-reset-user-password/README.md", "examples/bulk/README.md"} {
		t.Run(page, func(t *testing.T) {
			b, err := os.ReadFile(filepath.Join("..", page))
			require.NoError(t, err)
			for _, m := range link.FindAllStringSubmatch(string(b), -1) {
				if strings.Contains(m[1], "://") {
					continue
				}
				_, err := os.Stat(filepath.Join("..", filepath.Dir(page), filepath.FromSlash(m[1])))
				assert.NoError(t, err, "%s links to %s", page, m[1])
			}
		})
	}
}

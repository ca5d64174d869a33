package sizecheck

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The surface budgets of the library: resetpw at most 90 exported names and
// `go doc -all` at most 500 lines; every public package together fewer than
// 315 names. Names are counted as the CHANGELOG counts them: constants,
// variables, functions, types and methods (not struct fields or interface
// methods).
const (
	maxResetpwNames   = 90
	maxResetpwDocLine = 500
	maxTotalNames     = 314
)

// publicPackages are the library's importable packages, relative to the
// module root.
var publicPackages = []string{
	"alias", "bulk", "bulk/journal", "custommessage", "followup", "groundtruth", "metadata", "otelreset",
	"quota", "quota/redisquota", "resetpw", "resetpw/resetpwtest", "wayout",
}

// exportedNames counts the exported names of the package in dir, each
// once: a name declared in files for different platforms (a build tag) is
// one name.
func exportedNames(t *testing.T, dir string) int {
	t.Helper()
	fset := token.NewFileSet()
	paths, err := filepath.Glob(filepath.Join(dir, "*.go"))
	require.NoError(t, err)
	names := map[string]bool{}
	for _, path := range paths {
		if strings.HasSuffix(path, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, path, nil, parser.SkipObjectResolution)
		require.NoError(t, err)
		for _, d := range f.Decls {
			switch d := d.(type) {
			case *ast.FuncDecl:
				if !d.Name.IsExported() {
					continue
				}
				if d.Recv == nil {
					names[d.Name.Name] = true
					continue
				}
				if recv, ok := receiverName(d.Recv.List[0].Type); ok {
					names[recv+"."+d.Name.Name] = true
				}
			case *ast.GenDecl:
				for _, s := range d.Specs {
					switch s := s.(type) {
					case *ast.TypeSpec:
						if s.Name.IsExported() {
							names[s.Name.Name] = true
						}
					case *ast.ValueSpec:
						for _, name := range s.Names {
							if name.IsExported() {
								names[name.Name] = true
							}
						}
					}
				}
			}
		}
	}
	return len(names)
}

// receiverName is the name of a method's receiver type, if it is exported.
func receiverName(e ast.Expr) (string, bool) {
	for {
		switch x := e.(type) {
		case *ast.StarExpr:
			e = x.X
		case *ast.IndexExpr:
			e = x.X
		case *ast.IndexListExpr:
			e = x.X
		case *ast.Ident:
			return x.Name, x.IsExported()
		default:
			return "", false
		}
	}
}

// A name is counted once, however many platform files declare it; an
// unexported one, or a method of an unexported type, is not counted.
func TestExportedNamesCountsEachNameOnce(t *testing.T) {
	// testdata/platforms: T, T.M, New and C, with New and T.M declared
	// in a Unix file and another, and unexported ones beside them.
	assert.Equal(t, 4, exportedNames(t, filepath.Join("testdata", "platforms")))
}

func TestSurfaceWithinBudget(t *testing.T) {
	root := filepath.Join("..", "..")
	total := 0
	for _, p := range publicPackages {
		n := exportedNames(t, filepath.Join(root, p))
		t.Logf("%-22s %3d", p, n)
		total += n
		if p == "resetpw" {
			assert.LessOrEqual(t, n, maxResetpwNames, "resetpw's exported names")
		}
	}
	t.Logf("%-22s %3d", "total", total)
	assert.LessOrEqual(t, total, maxTotalNames, "exported names of every public package")

	out, err := exec.Command("go", "doc", "-all", "github.com/cognitoreset/cognitoreset/resetpw").Output()
	require.NoError(t, err)
	lines := strings.Count(string(out), "\n")
	t.Logf("go doc -all resetpw: %d lines", lines)
	assert.LessOrEqual(t, lines, maxResetpwDocLine)
}

// Every public package is in publicPackages, so none escapes the count.
func TestSurfaceCountsEveryPublicPackage(t *testing.T) {
	out, err := exec.Command("go", "list", "github.com/cognitoreset/cognitoreset/...").Output()
	require.NoError(t, err)
	var got []string
	for _, p := range strings.Fields(string(out)) {
		rel := strings.TrimPrefix(strings.TrimPrefix(p, "github.com/cognitoreset/cognitoreset"), "/")
		if rel == "" || strings.HasPrefix(rel, "internal/") || strings.HasPrefix(rel, "cmd/") || strings.Contains(rel, "/internal/") {
			continue
		}
		got = append(got, rel)
	}
	assert.ElementsMatch(t, publicPackages, got)
}

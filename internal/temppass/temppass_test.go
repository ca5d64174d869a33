package temppass

import (
	"bytes"
	"encoding/gob"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strconv"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// meets checks pw against policy as R44 reads, written apart from
// generate: the length, each required class, only allowed characters, no
// space first or last.
func meets(policy *types.PasswordPolicyType, pw string) error {
	minLen, req := 8, [4]bool{true, true, true, true}
	if policy != nil {
		minLen = int(aws.ToInt32(policy.MinimumLength))
		req = [4]bool{policy.RequireUppercase, policy.RequireLowercase, policy.RequireNumbers, policy.RequireSymbols}
	}
	if len(pw) < minLen || len(pw) > 256 {
		return fmt.Errorf("length %d outside [%d, 256]", len(pw), minLen)
	}
	if strings.HasPrefix(pw, " ") || strings.HasSuffix(pw, " ") {
		return errors.New("leading or trailing space")
	}
	var has [4]bool
	for _, c := range pw {
		switch {
		case c >= 'A' && c <= 'Z':
			has[0] = true
		case c >= 'a' && c <= 'z':
			has[1] = true
		case c >= '0' && c <= '9':
			has[2] = true
		case strings.ContainsRune(`^$*.[]{}()?"!@#%&/\,><':;|_~`+"`=+- ", c):
			has[3] = true
		default:
			return fmt.Errorf("character %q not allowed", c)
		}
	}
	for i, name := range []string{"uppercase", "lowercase", "number", "symbol"} {
		if req[i] && !has[i] {
			return fmt.Errorf("no %s", name)
		}
	}
	return nil
}

// policies returns a policy of every shape the API allows: each of the 16
// combinations of required classes, with MinimumLength unset and at 6 (the
// least), 8, 20, 64 and 99 (the most), and no policy at all.
func policies() []*types.PasswordPolicyType {
	out := []*types.PasswordPolicyType{nil}
	for mask := range 16 {
		for _, n := range []*int32{nil, aws.Int32(6), aws.Int32(8), aws.Int32(20), aws.Int32(64), aws.Int32(99)} {
			out = append(out, &types.PasswordPolicyType{MinimumLength: n,
				RequireUppercase: mask&1 != 0, RequireLowercase: mask&2 != 0, RequireNumbers: mask&4 != 0, RequireSymbols: mask&8 != 0})
		}
	}
	return out
}

func TestGenerateMeetsEveryPolicyShape(t *testing.T) {
	ps := policies()
	const total = 10_000
	failed := 0
	for i := range total {
		p := ps[i%len(ps)]
		s, err := Generate(p)
		require.NoError(t, err)
		if err := meets(p, s.Reveal()); err != nil {
			failed++
			t.Errorf("policy %+v: %v", p, err)
		}
	}
	assert.Zero(t, failed, "of %d passwords over %d policies", total, len(ps))
}

func TestGenerateUsesSymbolsOnlyWhenRequired(t *testing.T) {
	p := &types.PasswordPolicyType{MinimumLength: aws.Int32(99), RequireUppercase: true, RequireLowercase: true, RequireNumbers: true}
	for range 200 {
		s, err := Generate(p)
		require.NoError(t, err)
		assert.NotContains(t, s.Reveal(), "!", "no symbol unless the policy requires one")
		assert.Regexp(t, `^[A-Za-z0-9]{99}$`, s.Reveal())
	}
}

// An HTML invitation carries the password raw (R44): no character HTML
// reads as markup or an entity, and no trailing '.' the sentence around
// "{####}" would swallow.
func TestGenerateIsSafeInHTMLAndNeverEndsInASymbol(t *testing.T) {
	for i := range 5000 {
		p := policies()[i%len(policies())]
		s, err := Generate(p)
		require.NoError(t, err)
		pw := s.Reveal()
		for _, c := range `<>&"'` {
			require.NotContains(t, pw, string(c))
		}
		last := pw[len(pw)-1]
		require.Truef(t, strings.IndexByte(upper+lower+digits, last) >= 0, "%q ends in a symbol", last)
	}
}

// A pool that requires a symbol may check against Cognito's older list,
// which lacks = + - (R44): every symbol drawn is in both lists.
func TestGenerateDrawsOnlySymbolsBothCognitoListsHold(t *testing.T) {
	const older = `^$*.[]{}()?"!@#%&/\,><':;|_~` + "`"
	const newer = older + "=+-"
	p := &types.PasswordPolicyType{MinimumLength: aws.Int32(99), RequireSymbols: true}
	seen := map[rune]bool{}
	for range 500 {
		s, err := Generate(p)
		require.NoError(t, err)
		for _, c := range s.Reveal() {
			if strings.ContainsRune(upper+lower+digits, c) {
				continue
			}
			seen[c] = true
			require.Truef(t, strings.ContainsRune(older, c) && strings.ContainsRune(newer, c), "symbol %q", c)
		}
	}
	assert.Len(t, seen, len(symbols), "every symbol of the intersection is drawn")
}

func TestGenerateDiffersEachTime(t *testing.T) {
	seen := map[string]bool{}
	for range 1000 {
		s, err := Generate(nil)
		require.NoError(t, err)
		require.False(t, seen[s.Reveal()])
		seen[s.Reveal()] = true
	}
}

func TestGenerateRefusesAPolicyLongerThanCognitoAccepts(t *testing.T) {
	_, err := Generate(&types.PasswordPolicyType{MinimumLength: aws.Int32(257)})
	require.ErrorIs(t, err, errPolicy)
}

func TestGenerateFailsWhenRandomnessRunsOut(t *testing.T) {
	_, err := generate(bytes.NewReader([]byte{1, 2, 3}), nil)
	require.ErrorIs(t, err, io.EOF)
}

// Every byte value once: uniform must accept a whole multiple of n of them
// and give each result equally often.
func TestUniformHasNoModuloBias(t *testing.T) {
	for _, n := range []int{3, 10, 26, 32, 62, 94, 100, 255, 256} {
		all := make([]byte, 256)
		for i := range all {
			all[i] = byte(i)
		}
		r := bytes.NewReader(all)
		counts := map[int]int{}
		for {
			v, err := uniform(r, n)
			if err != nil {
				break
			}
			require.Less(t, v, n)
			counts[v]++
		}
		require.Len(t, counts, n, "n=%d", n)
		for v, c := range counts {
			assert.Equal(t, 256/n, c, "n=%d value %d", n, v)
		}
	}
}

func TestSecretNeverPrintsItsValue(t *testing.T) {
	s, err := Generate(nil)
	require.NoError(t, err)
	pw := s.Reveal()
	require.Len(t, pw, 20)
	holder := struct {
		Password Secret
		Ptr      *Secret
	}{s, &s}

	var outputs []string
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%X", "%T"} {
		outputs = append(outputs, fmt.Sprintf(verb, s), fmt.Sprintf(verb, holder), fmt.Sprintf(verb, &holder))
	}
	outputs = append(outputs, fmt.Sprint(s), fmt.Sprintln(holder), fmt.Errorf("wrapped: %v", s).Error())
	for _, h := range []func(io.Writer) slog.Handler{
		func(w io.Writer) slog.Handler {
			return slog.NewTextHandler(w, &slog.HandlerOptions{Level: slog.LevelDebug})
		},
		func(w io.Writer) slog.Handler {
			return slog.NewJSONHandler(w, &slog.HandlerOptions{Level: slog.LevelDebug})
		},
	} {
		var buf bytes.Buffer
		slog.New(h(&buf)).Debug("issued", "password", s, "holder", holder, slog.Any("ptr", &s))
		outputs = append(outputs, buf.String())
	}
	j, err := json.Marshal(holder)
	require.NoError(t, err)
	outputs = append(outputs, string(j))
	var g bytes.Buffer
	if err := gob.NewEncoder(&g).Encode(holder); err != nil {
		outputs = append(outputs, err.Error())
	}
	outputs = append(outputs, g.String())

	// The password as it would show in each encoding: as it is, escaped by
	// JSON (<, >, & and quotes), quoted by %q, in hex (%x, %X).
	jpw, _ := json.Marshal(pw)
	forms := []string{pw, strings.Trim(string(jpw), `"`), strings.Trim(strconv.Quote(pw), `"`),
		hex.EncodeToString([]byte(pw)), strings.ToUpper(hex.EncodeToString([]byte(pw)))}
	for _, out := range outputs {
		for _, form := range forms {
			assert.NotContains(t, out, form)
		}
	}
}

func TestZeroSecretRevealsNothing(t *testing.T) {
	assert.Empty(t, Secret{}.Reveal())
}

func FuzzGenerate(f *testing.F) {
	f.Add([]byte("seed bytes for the shuffle and the draws, long enough for one password"), uint8(15), int32(8))
	f.Add(bytes.Repeat([]byte{0xff}, 300), uint8(0), int32(99))
	f.Add(bytes.Repeat([]byte{0x00, 0x7f, 0xfe}, 200), uint8(8), int32(6))
	f.Add([]byte{}, uint8(1), int32(-3))
	f.Fuzz(func(t *testing.T, random []byte, mask uint8, minLen int32) {
		p := &types.PasswordPolicyType{MinimumLength: aws.Int32(minLen % 300),
			RequireUppercase: mask&1 != 0, RequireLowercase: mask&2 != 0, RequireNumbers: mask&4 != 0, RequireSymbols: mask&8 != 0}
		pw, err := generate(bytes.NewReader(random), p)
		if err != nil {
			if !errors.Is(err, errPolicy) && !errors.Is(err, io.EOF) && !errors.Is(err, io.ErrUnexpectedEOF) {
				t.Fatalf("unexpected error %v", err)
			}
			return
		}
		if err := meets(p, pw); err != nil {
			t.Fatalf("policy %+v: %v", p, err)
		}
	})
}

package bulk

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// refClaims is the plain map that claims must agree with.
type refClaims map[claimKey]*[2]int

func (r refClaims) claim(ns namespace, pool, name string, i int) (int, bool) {
	k := claimKey{pool, name}
	if r[k] == nil {
		r[k] = new([2]int)
	}
	if v := r[k][ns]; v != 0 {
		return v - 1, v-1 != i
	}
	r[k][ns] = i + 1
	return i, false
}

func TestClaims(t *testing.T) {
	long := strings.Repeat("x", maxPackedName+1)
	for _, weak := range []bool{false, true} {
		t.Run(fmt.Sprintf("weak=%v", weak), func(t *testing.T) {
			c := newClaims()
			c.weak = weak // with a weak hash, almost every key collides with another
			for _, tt := range []struct {
				ns        namespace
				pool      string
				name      string
				i         int
				wantFirst int
				wantDup   bool
			}{
				{givenName, "p_1", "alice", 0, 0, false},
				{givenName, "p_1", "alice", 0, 0, false}, // the same input again
				{givenName, "p_1", "alice", 1, 0, true},
				{resolvedName, "p_1", "alice", 1, 1, false}, // another namespace: input 1 resolved to alice
				{resolvedName, "p_1", "alice", 2, 1, true},
				{givenName, "p_2", "alice", 3, 3, false}, // another pool
				{givenName, "p_1", "bob", 4, 4, false},   // same length as...
				{givenName, "p_1", "eve", 5, 5, false},   // ...these: colliding when weak
				{givenName, "p_1", "bob", 6, 4, true},
				{givenName, "p_1", "eve", 7, 5, true},
				{resolvedName, "p_1", "eve", 8, 8, false},
				{givenName, "p_1", long, 9, 9, false}, // too long to pack: kept exactly
				{givenName, "p_1", long, 10, 9, true},
				{givenName, "p_1", "big", maxPackedIndex + 1, maxPackedIndex + 1, false}, // past the packed index
				{resolvedName, "p_1", "big", 11, 11, false},
				{givenName, "p_1", "big", 12, maxPackedIndex + 1, true},
				{resolvedName, "p_1", "big", 13, 11, true},
				{givenName, "p_1", "", 14, 14, false},
				{givenName, "p_1", "", 15, 14, true},
				{givenName, "p_1", "carol", 16, 16, false},
				{resolvedName, "p_1", "carol", 16, 16, false}, // the same input: one record, both flags
				{resolvedName, "p_1", "carol", 17, 16, true},
				{givenName, "p_1", "carol", 17, 16, true},
			} {
				first, dup := c.claim(tt.ns, tt.pool, tt.name, tt.i)
				assert.Equal(t, tt.wantFirst, first, "%+v", tt)
				assert.Equal(t, tt.wantDup, dup, "%+v", tt)
			}
			_, ok := c.lookup(resolvedName, "p_1", "bob")
			assert.False(t, ok, "bob was never resolved")
			assert.ElementsMatch(t, []claimKey{{"p_1", "alice"}, {"p_1", "eve"}, {"p_1", long}, {"p_1", "big"}}, slices.Collect(maps.Keys(c.other)),
				"kept apart: a namespace another input took, the long name, the large index")
		})
	}
}

// A million keys across records, chunks and collisions all agree with a
// plain map.
func TestClaims_ManyKeys(t *testing.T) {
	for _, weak := range []bool{false, true} {
		c, ref := newClaims(), refClaims{}
		c.weak = weak
		n := 100_000
		if weak {
			n = 2_000 // every key in 4 hashes: long probes, told apart by their records
		}
		for i := range n {
			name := fmt.Sprintf("user%d", i%(n/2)) // each name twice
			ns := namespace(i % 2)
			f1, d1 := c.claim(ns, "p_1", name, i)
			f2, d2 := ref.claim(ns, "p_1", name, i)
			require.Equal(t, f2, f1, "%d", i)
			require.Equal(t, d2, d1, "%d", i)
		}
		if !weak {
			assert.Greater(t, len(c.chunks), 1, "several chunks")
			assert.Empty(t, c.other, "every key packed")
			assert.Equal(t, c.hash(0, "user1"), c.hashBytes(0, []byte("user1")), "one hash for strings and bytes")
		}
	}
}

func FuzzClaims(f *testing.F) {
	f.Add([]byte("alice\x00bob\x01alice\x02bob\x03"), true)
	f.Add([]byte("a\x00a\x01a\x00a\x01"), false)
	f.Add([]byte("ab\x00ab\x05cd\x02ab\x06ab\x02"), true) // one input, both namespaces; a name in two pools
	f.Fuzz(func(t *testing.T, ops []byte, weak bool) {
		c, ref := newClaims(), refClaims{}
		c.weak = weak
		// ops: a name, then a byte (0 to 7) whose bits say the namespace
		// (1), the pool (2) and whether the input is the one before (4):
		// apart, so that one input can name one user in one pool both ways,
		// and two pools can hold one name.
		i := 0
		for len(ops) > 0 {
			end := 0
			for end < len(ops) && ops[end] > 7 {
				end++
			}
			name := string(ops[:end])
			op := byte(0)
			if end < len(ops) {
				op = ops[end]
				end++
			}
			ops = ops[end:]
			ns, pool := namespace(op&1), fmt.Sprintf("p_%d", op>>1&1)
			if op&4 == 0 {
				i++
			}
			f1, d1 := c.claim(ns, pool, name, i)
			f2, d2 := ref.claim(ns, pool, name, i)
			require.Equal(t, f2, f1)
			require.Equal(t, d2, d1)
		}
	})
}

// The same names in many pools, with a hash that makes them all collide,
// are as many users: a record is found by its pool as well as its name.
// (TestClaims passed with the pool left out of the compare; only the
// fuzzer found it.)
func TestClaims_PoolsApart(t *testing.T) {
	c, ref := newClaims(), refClaims{}
	c.weak = true
	i := 0
	for round := range 2 {
		for p := range 8 {
			for _, name := range []string{"a", "bb", "ccc", "dddd", "eeeee"} {
				for _, ns := range []namespace{givenName, resolvedName} {
					pool := fmt.Sprintf("p_%d", p)
					f1, d1 := c.claim(ns, pool, name, i)
					f2, d2 := ref.claim(ns, pool, name, i)
					require.Equal(t, f2, f1, "%s %s %d", pool, name, ns)
					require.Equal(t, d2, d1, "%s %s %d", pool, name, ns)
					require.Equal(t, round == 1, d1, "%s %s: a duplicate only in the second round", pool, name)
				}
				i++
			}
		}
	}
}

package resetpw

import (
	"encoding/binary"
	"hash/maphash"
)

// A bulk run remembers, for every user it has met, the input that has it:
// twice over, by the identifier as given (normalised) before anything is
// read, and by the username that would be sent once resolved. An input is a
// duplicate when either is already taken by another input.
//
// claims keeps that in about 50 bytes a user, a million users in 50 MB: a
// map from a 64-bit hash of pool and name (maphash, seeded per run) to a
// record packed in an arena, which holds the exact pool and name and the
// input that took each namespace. A hash is only an index: a hit is
// compared with the record's exact key, and a key whose hash another key
// already has goes to the exact map other, so that a collision can never
// make one user a duplicate of another.
type claims struct {
	seed   maphash.Seed
	pools  map[string]uint64 // pool IDs by number, as records name them
	byHash map[uint64]uint64 // hash of pool and name → the reference of its record
	chunks [][]byte          // the arena; records never span chunks
	// other holds, exactly, what the arena can't: keys whose hash another
	// key has, names longer than maxPackedName, inputs past maxPackedIndex.
	other map[claimKey]*[2]int
	// weak, in tests only, makes the hash a few bits: collisions on purpose.
	weak bool
}

// namespace is which of a user's names a claim is about.
type namespace int

const (
	givenName    namespace = iota // the identifier as given, normalised
	resolvedName                  // the username to send
)

type claimKey struct{ pool, name string }

const (
	chunkBits      = 16 // 64 KiB chunks: small steps of growth, and no arena copy
	chunkSize      = 1 << chunkBits
	maxPackedName  = 1024
	indexBytes     = 5                     // an input index + 1, little-endian; 0 is none
	maxPackedIndex = 1<<(8*indexBytes) - 2 // 1.1 × 10¹² inputs
	recordHeader   = 2*indexBytes + 2*binary.MaxVarintLen64
	_              = uint(chunkSize - recordHeader - maxPackedName) // a record fits a chunk
)

func newClaims() *claims {
	return &claims{seed: maphash.MakeSeed(), pools: map[string]uint64{}, byHash: map[uint64]uint64{}}
}

// claim takes ns of pool and name for input i, or reports the input that
// has it already.
func (c *claims) claim(ns namespace, pool, name string, i int) (first int, dup bool) {
	if first, ok := c.lookup(ns, pool, name); ok {
		return first, first != i
	}
	c.store(ns, pool, name, i)
	return i, false
}

// lookup reports the input that has ns of pool and name, taking nothing.
func (c *claims) lookup(ns namespace, pool, name string) (first int, ok bool) {
	if len(c.other) > 0 {
		if o := c.other[claimKey{pool, name}]; o != nil && o[ns] != 0 {
			return o[ns] - 1, true
		}
	}
	p, known := c.pools[pool]
	if !known {
		return 0, false
	}
	ref, ok := c.byHash[c.hash(p, name)]
	if !ok {
		return 0, false
	}
	rec := c.record(ref)
	if !recordIs(rec, p, name) {
		return 0, false
	}
	if v := getIndex(rec[int(ns)*indexBytes:]); v != 0 {
		return int(v - 1), true
	}
	return 0, false
}

// store records that input i has ns of pool and name, which no input has.
func (c *claims) store(ns namespace, pool, name string, i int) {
	if i < 0 || i > maxPackedIndex || len(name) > maxPackedName {
		c.storeOther(ns, pool, name, i)
		return
	}
	p, known := c.pools[pool]
	if !known {
		p = uint64(len(c.pools))
		c.pools[pool] = p
	}
	h := c.hash(p, name)
	if ref, ok := c.byHash[h]; ok {
		if rec := c.record(ref); recordIs(rec, p, name) {
			putIndex(rec[int(ns)*indexBytes:], uint64(i)+1) // the other namespace's record
		} else {
			c.storeOther(ns, pool, name, i) // a collision: kept exactly
		}
		return
	}
	c.byHash[h] = c.append(ns, p, name, i)
}

func (c *claims) storeOther(ns namespace, pool, name string, i int) {
	if c.other == nil {
		c.other = map[claimKey]*[2]int{}
	}
	k := claimKey{pool, name}
	o := c.other[k]
	if o == nil {
		o = new([2]int)
		c.other[k] = o
	}
	o[ns] = i + 1
}

func (c *claims) hash(pool uint64, name string) uint64 {
	if c.weak {
		return (uint64(len(name)) + pool) % 4
	}
	return maphash.String(c.seed, name) ^ (pool+1)*0x9e3779b97f4a7c15
}

// append packs a new record, [given][resolved] indexes then the pool number
// and the name, and returns its reference: chunk<<chunkBits | offset.
func (c *claims) append(ns namespace, pool uint64, name string, i int) uint64 {
	need := 2*indexBytes + varintLen(pool) + varintLen(uint64(len(name))) + len(name)
	n := len(c.chunks)
	if n == 0 || len(c.chunks[n-1])+need > chunkSize {
		c.chunks = append(c.chunks, make([]byte, 0, chunkSize))
		n++
	}
	ch := c.chunks[n-1]
	off := len(ch)
	ch = append(ch, make([]byte, 2*indexBytes)...)
	putIndex(ch[off+int(ns)*indexBytes:], uint64(i)+1)
	ch = binary.AppendUvarint(ch, pool)
	ch = binary.AppendUvarint(ch, uint64(len(name)))
	ch = append(ch, name...)
	c.chunks[n-1] = ch
	return uint64(n-1)<<chunkBits | uint64(off)
}

// record returns the bytes from ref to its chunk's end.
func (c *claims) record(ref uint64) []byte {
	return c.chunks[ref>>chunkBits][ref&(chunkSize-1):]
}

// recordIs reports whether rec is the record of pool and name.
func recordIs(rec []byte, pool uint64, name string) bool {
	b := rec[2*indexBytes:]
	p, n := binary.Uvarint(b)
	if p != pool {
		return false
	}
	b = b[n:]
	l, n := binary.Uvarint(b)
	return l == uint64(len(name)) && string(b[n:n+int(l)]) == name
}

func getIndex(b []byte) uint64 {
	var v uint64
	for k := indexBytes - 1; k >= 0; k-- {
		v = v<<8 | uint64(b[k])
	}
	return v
}

func putIndex(b []byte, v uint64) {
	for k := range indexBytes {
		b[k] = byte(v)
		v >>= 8
	}
}

func varintLen(v uint64) int {
	n := 1
	for v >= 0x80 {
		v >>= 7
		n++
	}
	return n
}

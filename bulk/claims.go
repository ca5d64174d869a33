package bulk

import (
	"encoding/binary"
	"hash/maphash"
)

// A bulk run remembers, for every user it has met, the input that has it:
// twice over, by the identifier as given (normalised) before anything is
// read, and by the username that would be sent once resolved. An input is a
// duplicate when either is already taken by another input.
//
// claims keeps that in about 40 bytes a user named once, 90 for a user
// named twice (an email resolved to another username): records packed in
// an arena, each with the exact pool and name, the input that took it and
// the namespaces it took, found through an open-addressing table of 8-byte
// slots (24 bits of the name's 64-bit hash, maphash seeded per run, and the
// record's place). A hash only says where to look: every candidate is compared with
// its record's exact key, so a collision can never make one user a
// duplicate of another.
type claims struct {
	seed   maphash.Seed
	pools  map[string]uint64 // pool IDs by number, as records name them
	slots  []uint64          // 0: empty; else tag<<refBits | ref; linear probing
	used   int               // slots in use
	chunks [][]byte          // the arena; records never span chunks
	// other holds, exactly, what the arena can't: names longer than
	// maxPackedName, inputs past maxPackedIndex, a full arena, and a
	// namespace of a name whose record another input has (an identifier
	// given by one input that is the username another resolved to).
	other map[claimKey]*[2]int
	// weak, in tests only, makes the hash two bits: collisions on purpose.
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
	refBits        = 40 // a record's place: chunk<<chunkBits | offset, 1 TiB of arena
	refMask        = 1<<refBits - 1
	maxPackedName  = 1024
	headerBytes    = 5                 // little-endian: the input's index, then a flag per namespace
	flagShift      = 8*headerBytes - 2 // bits of the index
	maxPackedIndex = 1<<flagShift - 1  // 2.7 × 10¹¹ inputs
	recordHeader   = headerBytes + 2*binary.MaxVarintLen64
	_              = uint(chunkSize - recordHeader - maxPackedName) // a record fits a chunk
	firstSlots     = 1024
)

func newClaims() *claims {
	return &claims{seed: maphash.MakeSeed(), pools: map[string]uint64{}}
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
	if _, ref, found := c.find(p, name, c.hash(p, name)); found {
		if idx, flags := getHeader(c.record(ref)); flags&(1<<ns) != 0 {
			return int(idx), true
		}
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
	if _, ref, found := c.find(p, name, h); found {
		// The record has the other namespace.
		if rec := c.record(ref); uint64(i) == getIndex(rec) {
			putHeader(rec, uint64(i), getFlags(rec)|1<<ns)
		} else {
			c.storeOther(ns, pool, name, i)
		}
		return
	}
	ref, ok := c.append(ns, p, name, i)
	if !ok {
		c.storeOther(ns, pool, name, i)
		return
	}
	if (c.used+1)*4 > len(c.slots)*3 {
		c.grow()
	}
	slot, _, _ := c.find(p, name, h)
	c.slots[slot] = tagOf(h)<<refBits | ref
	c.used++
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

// hashBytes is hash of a name in bytes: the same value.
func (c *claims) hashBytes(pool uint64, name []byte) uint64 {
	if c.weak {
		return (uint64(len(name)) + pool) % 4
	}
	return maphash.Bytes(c.seed, name) ^ (pool+1)*0x9e3779b97f4a7c15
}

// tagOf is the part of a hash a slot keeps, never 0.
func tagOf(h uint64) uint64 { return h>>refBits | 1 }

// find returns the slot of pool and name's record and its reference, or,
// when there is none, the empty slot where it would go (-1 in an empty
// table).
func (c *claims) find(pool uint64, name string, h uint64) (slot int, ref uint64, found bool) {
	if len(c.slots) == 0 {
		return -1, 0, false
	}
	mask := len(c.slots) - 1
	tag := tagOf(h)
	for i := int(h) & mask; ; i = (i + 1) & mask {
		s := c.slots[i]
		if s == 0 {
			return i, 0, false
		}
		if s>>refBits == tag && recordIs(c.record(s&refMask), pool, name) {
			return i, s & refMask, true
		}
	}
}

// grow doubles the table, hashing each record's key again.
func (c *claims) grow() {
	old := c.slots
	c.slots = make([]uint64, max(2*len(old), firstSlots))
	mask := len(c.slots) - 1
	for _, s := range old {
		if s == 0 {
			continue
		}
		pool, name := recordKey(c.record(s & refMask))
		h := c.hashBytes(pool, name)
		i := int(h) & mask
		for c.slots[i] != 0 {
			i = (i + 1) & mask
		}
		c.slots[i] = s
	}
}

// append packs a new record, its header (index and flags) then the pool
// number and the name, and returns its reference: false when the arena is
// full.
func (c *claims) append(ns namespace, pool uint64, name string, i int) (ref uint64, ok bool) {
	need := headerBytes + varintLen(pool) + varintLen(uint64(len(name))) + len(name)
	n := len(c.chunks)
	if n == 0 || len(c.chunks[n-1])+need > chunkSize {
		if uint64(n+1)<<chunkBits > refMask {
			return 0, false
		}
		c.chunks = append(c.chunks, make([]byte, 0, chunkSize))
		n++
	}
	ch := c.chunks[n-1]
	off := len(ch)
	ch = append(ch, make([]byte, headerBytes)...)
	putHeader(ch[off:], uint64(i), 1<<ns)
	ch = binary.AppendUvarint(ch, pool)
	ch = binary.AppendUvarint(ch, uint64(len(name)))
	ch = append(ch, name...)
	c.chunks[n-1] = ch
	return uint64(n-1)<<chunkBits | uint64(off), true
}

// record returns the bytes from ref to its chunk's end.
func (c *claims) record(ref uint64) []byte {
	return c.chunks[ref>>chunkBits][ref&(chunkSize-1):]
}

// recordKey returns a record's pool number and name.
func recordKey(rec []byte) (pool uint64, name []byte) {
	b := rec[headerBytes:]
	pool, n := binary.Uvarint(b)
	b = b[n:]
	l, n := binary.Uvarint(b)
	return pool, b[n : n+int(l)]
}

// recordIs reports whether rec is the record of pool and name.
func recordIs(rec []byte, pool uint64, name string) bool {
	p, n := recordKey(rec)
	return p == pool && string(n) == name
}

// getHeader reads a record's input index and namespace flags.
func getHeader(rec []byte) (index, flags uint64) {
	var v uint64
	for k := headerBytes - 1; k >= 0; k-- {
		v = v<<8 | uint64(rec[k])
	}
	return v & maxPackedIndex, v >> flagShift
}

func getIndex(rec []byte) uint64 { i, _ := getHeader(rec); return i }
func getFlags(rec []byte) uint64 { _, f := getHeader(rec); return f }

func putHeader(rec []byte, index, flags uint64) {
	v := flags<<flagShift | index
	for k := range headerBytes {
		rec[k] = byte(v)
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

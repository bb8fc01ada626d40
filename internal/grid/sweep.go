package grid

import (
	"cmp"
	"math"
	"math/big"
	"math/rand/v2"
	"slices"

	"github.com/paulmach/orb"
)

// orientSign is the exact sign of orient(a, b, c): +1 when c lies left of the line from a to
// b, -1 right of it, 0 on it. The floating-point determinant decides whenever it is clearly
// larger than its rounding error (Shewchuk's filter); near-collinear points are decided in
// exact rational arithmetic, so that every test of the sweep below agrees with every other.
func orientSign(a, b, c orb.Point) int {
	l := (b[0] - a[0]) * (c[1] - a[1])
	r := (b[1] - a[1]) * (c[0] - a[0])
	det := l - r
	if bound := 3.3306690738754716e-16 * (math.Abs(l) + math.Abs(r)); det > bound {
		return 1
	} else if -det > bound {
		return -1
	} else if l == 0 && r == 0 {
		return 0
	}
	return orientExact(a, b, c)
}

func orientExact(a, b, c orb.Point) int {
	rat := func(f float64) *big.Rat { return new(big.Rat).SetFloat64(f) }
	sub := func(x, y float64) *big.Rat { return new(big.Rat).Sub(rat(x), rat(y)) }
	l := new(big.Rat).Mul(sub(b[0], a[0]), sub(c[1], a[1]))
	r := new(big.Rat).Mul(sub(b[1], a[1]), sub(c[0], a[0]))
	return l.Cmp(r)
}

// less orders points as the sweep meets them: west to east, then south to north.
func less(p, q orb.Point) bool {
	return p[0] < q[0] || (p[0] == q[0] && p[1] < q[1])
}

// sweepEdge is a ring's edge with its ends in sweep order.
type sweepEdge struct {
	left, right orb.Point
	index       int // the edge runs from point index to point index+1 of the ring
}

// sweepNode is an edge in the sweep's status: a skip list ordered from south to north.
type sweepNode struct {
	edge       int
	next, prev []*sweepNode
}

const sweepLevels = 24 // enough for 2^24 edges at p = 1/2

// sweepIntersections finds two non-adjacent edges of a closed ring (no repeated consecutive
// points, no spikes: see spike) that meet, in O(n log n): the Shamos–Hoey sweep. A crossing (edges passing through
// each other or running along each other) ends the search at once; a touch at a point is
// remembered and the search goes on, since a touch leaves the edges' south-to-north order
// intact. tests, when not nil, counts the pairs of edges compared.
//
// Points the ring visits twice are touches found without the sweep; removing the edges that
// end at a point before inserting those that start there keeps the status a consistent order.
func sweepIntersections(r orb.Ring, tests *int) (i, j int, crossing, found bool) {
	n := len(r) - 1
	if n < 3 {
		return 0, 0, false, false
	}
	var ti, tj int
	touch := func(a, b int) {
		if !found {
			ti, tj, found = min(a, b), max(a, b), true
		}
	}
	// A point the ring visits twice is a pinch, or a crossing if the ring passes through there.
	seen := make(map[orb.Point]int, n)
	var again map[orb.Point][]int // the visits of points visited more than twice
	for k := range n {
		first, ok := seen[r[k]]
		if !ok {
			seen[r[k]] = k
			continue
		}
		visits := append([]int{first}, again[r[k]]...)
		for _, prev := range visits {
			if visitsCross(r, prev, k) {
				return prev, k, true, true
			}
			touch(prev, k)
		}
		if again == nil {
			again = map[orb.Point][]int{}
		}
		again[r[k]] = append(again[r[k]], k)
	}
	edges := make([]sweepEdge, n)
	type event struct {
		at    orb.Point
		edge  int
		start bool
	}
	events := make([]event, 0, 2*n)
	for k := range n {
		a, b := r[k], r[k+1]
		if less(b, a) {
			a, b = b, a
		}
		edges[k] = sweepEdge{left: a, right: b, index: k}
		events = append(events, event{a, k, true}, event{b, k, false})
	}
	slices.SortFunc(events, func(x, y event) int {
		if c := cmp.Compare(x.at[0], y.at[0]); c != 0 {
			return c
		}
		if c := cmp.Compare(x.at[1], y.at[1]); c != 0 {
			return c
		}
		switch {
		case x.start == y.start:
			return cmp.Compare(x.edge, y.edge)
		case !x.start:
			return -1 // ends before starts at the same point
		}
		return 1
	})

	adjacent := func(a, b int) bool {
		d := a - b
		return d == 1 || d == -1 || d == n-1 || d == 1-n
	}
	// test compares two edges that have become neighbours in the status; true means they cross.
	test := func(x, y *sweepNode) bool {
		if x == nil || y == nil || x.edge < 0 || y.edge < 0 || adjacent(x.edge, y.edge) {
			return false
		}
		if tests != nil {
			*tests++
		}
		a, b := &edges[x.edge], &edges[y.edge]
		switch segmentRelation(a.left, a.right, b.left, b.right) {
		case segmentsCross:
			i, j = min(x.edge, y.edge), max(x.edge, y.edge)
			return true
		case segmentsTouch:
			if touchCrosses(r, x.edge, y.edge) {
				i, j = min(x.edge, y.edge), max(x.edge, y.edge)
				return true
			}
			touch(x.edge, y.edge)
		}
		return false
	}
	// below reports whether active edge a lies south of edge e at e's west end (or, starting
	// from the same point, turns south of it).
	below := func(a, e int) bool {
		ea, ee := &edges[a], &edges[e]
		if o := orientSign(ea.left, ea.right, ee.left); o != 0 {
			return o > 0
		}
		return orientSign(ea.left, ea.right, ee.right) >= 0
	}

	head := &sweepNode{edge: -1, next: make([]*sweepNode, sweepLevels), prev: make([]*sweepNode, sweepLevels)}
	nodes := make([]*sweepNode, n)
	pool := make([]sweepNode, n)
	links := make([]*sweepNode, 0, 4*n+2*sweepLevels) // about 2 levels a node, next and prev
	rng := rand.New(rand.NewPCG(uint64(n), 0x5eed))   // deterministic: the same ring, the same work
	var update [sweepLevels]*sweepNode
	for _, ev := range events {
		if !ev.start {
			node := nodes[ev.edge]
			for l := range node.next {
				node.prev[l].next[l] = node.next[l]
				if node.next[l] != nil {
					node.next[l].prev[l] = node.prev[l]
				}
			}
			if test(node.prev[0], node.next[0]) {
				return i, j, true, true
			}
			continue
		}
		x := head
		for l := sweepLevels - 1; l >= 0; l-- {
			for x.next[l] != nil && below(x.next[l].edge, ev.edge) {
				x = x.next[l]
			}
			update[l] = x
		}
		height := 1
		for height < sweepLevels && rng.Uint64()&1 == 0 {
			height++
		}
		if cap(links)-len(links) < 2*height {
			links = make([]*sweepNode, 0, 4*n+2*sweepLevels)
		}
		node := &pool[ev.edge]
		node.edge = ev.edge
		node.next = links[len(links) : len(links)+height : len(links)+height]
		node.prev = links[len(links)+height : len(links)+2*height : len(links)+2*height]
		links = links[:len(links)+2*height]
		for l := range height {
			node.prev[l], node.next[l] = update[l], update[l].next[l]
			if node.next[l] != nil {
				node.next[l].prev[l] = node
			}
			update[l].next[l] = node
		}
		nodes[ev.edge] = node
		if test(node.prev[0], node) || test(node, node.next[0]) {
			return i, j, true, true
		}
	}
	return ti, tj, false, found
}

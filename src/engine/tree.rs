//! The one order in which blocks combine: a fixed binary tree over block
//! indices, the same whether one process runs every block or shards of a
//! distributed run each run a range of them.
//!
//! Floating-point merges (moments, co-moments, sums) are not associative,
//! so a result is only reproducible if every run combines its blocks in the
//! same shape. A plain left fold (`((b0 + b1) + b2) + …`) cannot be split:
//! a shard holding blocks `a..b` would need the running total of every
//! block before `a`. Here every aligned run of 2^l blocks
//! (`[j·2^l, (j+1)·2^l)`) is one node, built as its left half merged with
//! its right half, and the nodes left at the end (the binary digits of the
//! block count, largest first) are folded left to right. A range `a..b`
//! builds every node inside it, and hands on the few (at most two per
//! level) that a neighbour must complete; whoever combines the ranges in
//! order builds the rest exactly as one process would. So a merge of
//! shards is the same bits as a single run, and a shard keeps a handful of
//! nodes, not a record per block.
//!
//! Quantile stores do not go into the nodes: sketches add integer counts
//! and exact values are sorted before use, so neither depends on the order
//! of merges, and they are pooled as blocks arrive (never copied up the
//! tree).

use serde::{Deserialize, Serialize};

use super::accumulator::Accumulator;
use crate::stats::Moments;

/// A node of the tree: blocks `index·2^level .. (index+1)·2^level`, with
/// empty quantile stores.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Node {
    pub level: u32,
    pub index: u64,
    pub acc: Accumulator,
}

impl Node {
    /// The first block the node covers.
    pub fn first_block(&self) -> u64 {
        self.index << self.level
    }

    /// One past the last block it covers.
    pub fn end_block(&self) -> u64 {
        (self.index + 1) << self.level
    }
}

/// Blocks (or nodes) folded in block order into the tree's nodes, with the
/// quantile stores pooled beside them.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Tree {
    /// Holds every quantile store merged so far; its counts and moments
    /// stay empty (they live in the nodes).
    pool: Accumulator,
    /// Completed nodes in block order, none a sibling of the next.
    nodes: Vec<Node>,
}

impl Tree {
    /// An empty tree whose pool is `empty` (an empty accumulator, with
    /// room for exact values if need be).
    pub fn new(empty: Accumulator) -> Self {
        Tree {
            pool: empty,
            nodes: Vec::new(),
        }
    }

    /// Adds block `index`, which must come right after the blocks (or
    /// nodes) added so far, or start a range.
    pub fn push_block(&mut self, index: u64, mut block: Accumulator) {
        self.pool.pool_stores(&mut block);
        self.push_node(Node {
            level: 0,
            index,
            acc: block,
        });
    }

    /// Adds a node; while it is the right half of the node before it,
    /// the two become their parent (left merged with right).
    pub fn push_node(&mut self, mut node: Node) {
        while node.index % 2 == 1
            && let Some(top) = self.nodes.last()
            && top.level == node.level
            && top.index + 1 == node.index
        {
            let Some(mut left) = self.nodes.pop() else {
                break;
            };
            left.acc.merge(node.acc);
            node = Node {
                level: node.level + 1,
                index: node.index / 2,
                acc: left.acc,
            };
        }
        self.nodes.push(node);
    }

    /// Adds `later`, a tree of the blocks right after this one's: its
    /// stores into the pool and its nodes in order, as if its blocks had
    /// been pushed here.
    pub fn append(&mut self, later: Tree) {
        let Tree { mut pool, nodes } = later;
        self.pool.pool_stores(&mut pool);
        for node in nodes {
            self.push_node(node);
        }
    }

    /// The blocks covered, as `first..end`; `None` when empty.
    pub fn blocks(&self) -> Option<(u64, u64)> {
        let first = self.nodes.first()?.first_block();
        let end = self.nodes.last()?.end_block();
        Some((first, end))
    }

    /// Paths covered so far.
    pub fn paths(&self) -> u64 {
        self.nodes.iter().map(|n| n.acc.paths).sum()
    }

    /// Whether every node's accumulator has the shape of the pool's (the
    /// same targets, months and streams): what a part file read from disk
    /// is checked for before it is merged.
    pub fn fits(&self, shape: &Accumulator) -> bool {
        self.pool.same_shape(shape) && self.nodes.iter().all(|n| n.acc.same_shape(shape))
    }

    /// Each target's hits and moments over the blocks so far, folded as
    /// [`Tree::finish`] would fold them, without giving up the tree: what
    /// a run to a precision looks at between blocks.
    pub fn target_summaries(&self) -> Vec<(u64, Moments)> {
        let mut sums: Vec<(u64, Moments)> = self
            .pool
            .targets
            .iter()
            .map(|t| (t.hits, t.moments.clone()))
            .collect();
        for node in &self.nodes {
            for (sum, t) in sums.iter_mut().zip(&node.acc.targets) {
                sum.0 += t.hits;
                sum.1.merge(&t.moments);
            }
        }
        sums
    }

    /// The total: the remaining nodes folded left to right, with the
    /// pooled stores.
    pub fn finish(self) -> Accumulator {
        let mut total = self.pool;
        for node in self.nodes {
            total.merge(node.acc);
        }
        total
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::{QuantileChoice, RunOptions, block::Plan};
    use crate::scenario::Scenario;

    fn scenario() -> Scenario {
        let text = "[scenario]\nname = \"t\"\nhorizon_months = 3\n\
             [[target]]\nname = \"T\"\namount = 2e6\n\
             [[client]]\nname = \"A\"\nsegment = \"s\"\nmonthly_spend = 1e6\nvolatility = 0.1\n\
             churn = { probability = 0.3, retain = 0.2 }\n";
        Scenario::parse(text, "t.toml").expect("valid scenario")
    }

    /// Any cut of the blocks into consecutive ranges, each folded on its
    /// own and appended in order, gives the same bits as one fold.
    #[test]
    fn ranges_appended_in_order_are_one_fold() {
        let s = scenario();
        let options = RunOptions {
            paths: 37 * 100,
            seed: 3,
            threads: 1,
            quantiles: QuantileChoice::Sketch,
        };
        let plan = Plan::new(&s, &options);
        // 100-path blocks are not the engine's, but the tree does not care.
        let blocks: Vec<Accumulator> = (0..37)
            .map(|b| plan.run_block(b, &|| false).expect("block runs"))
            .collect();
        let fold = |range: std::ops::Range<u64>| {
            let mut tree = Tree::new(plan.empty_accumulator(0));
            for b in range {
                tree.push_block(b, blocks[b as usize].clone());
            }
            tree
        };
        let whole = format!("{:?}", fold(0..37).finish());
        for cuts in [vec![], vec![1], vec![5, 6, 30], vec![3, 9, 17, 18, 19, 36]] {
            let mut edges = vec![0];
            edges.extend(&cuts);
            edges.push(37);
            let mut merged = Tree::new(plan.empty_accumulator(0));
            for w in edges.windows(2) {
                let part = fold(w[0]..w[1]);
                // At most two nodes a level.
                assert!(part.nodes.len() <= 2 * 6 + 1, "{cuts:?}");
                merged.append(part);
            }
            assert_eq!(format!("{:?}", merged.finish()), whole, "cuts {cuts:?}");
        }
    }
}

//! Offset maps: where each byte of a derived text (JSON-decoded, then normalised) came from.
//!
//! A derived text is a list of segments. A *linear* segment copies source bytes one for one; a *unit*
//! segment is one source span (an escape sequence, a character that normalisation expanded or replaced)
//! that produced any number of derived bytes. Every segment boundary lies on a character boundary of the
//! source, so the offsets this map returns are always valid `str` boundaries of the source.

/// One run of the derived text and the source span it came from.
#[derive(Debug, Clone, Copy)]
#[cfg_attr(test, derive(PartialEq))]
struct Segment {
    /// First derived byte of the segment.
    dst: u32,
    /// First source byte of the segment.
    src: u32,
    /// Source length; for a linear segment also the derived length.
    src_len: u32,
    /// Whether derived and source bytes correspond one for one.
    linear: bool,
}

/// Maps byte offsets of a derived text back to its source.
#[derive(Debug, Clone, Default)]
#[cfg_attr(test, derive(PartialEq))]
pub(crate) struct OffsetMap {
    /// `None`: the identity map (the derived text is the source).
    segments: Option<Vec<Segment>>,
    /// Derived length so far.
    len: u32,
}

impl OffsetMap {
    /// An empty segment map, to be filled with [`push_linear`](Self::push_linear) and
    /// [`push_unit`](Self::push_unit).
    pub(crate) fn with_capacity(n: usize) -> Self {
        Self {
            segments: Some(Vec::with_capacity(n)),
            len: 0,
        }
    }

    /// `len` derived bytes that copy source bytes `src..src + len`.
    pub(crate) fn push_linear(&mut self, src: usize, len: usize) {
        if len == 0 {
            return;
        }
        let (src, len32) = (src as u32, len as u32);
        let dst = self.len;
        self.len += len32;
        let Some(segs) = self.segments.as_mut() else {
            return;
        };
        if let Some(last) = segs.last_mut()
            && last.linear
            && last.src + last.src_len == src
            && last.dst + last.src_len == dst
        {
            last.src_len += len32;
            return;
        }
        segs.push(Segment {
            dst,
            src,
            src_len: len32,
            linear: true,
        });
    }

    /// `dst_len` derived bytes that all come from the source span `src..src + src_len`.
    pub(crate) fn push_unit(&mut self, src: usize, src_len: usize, dst_len: usize) {
        if dst_len == 0 {
            return;
        }
        let dst = self.len;
        self.len += dst_len as u32;
        if let Some(segs) = self.segments.as_mut() {
            segs.push(Segment {
                dst,
                src: src as u32,
                src_len: src_len as u32,
                linear: false,
            });
        }
    }

    fn segment(&self, segs: &[Segment], pos: u32) -> Option<Segment> {
        let i = segs.partition_point(|s| s.dst <= pos);
        i.checked_sub(1).and_then(|i| segs.get(i)).copied()
    }

    /// Source offset where derived byte `pos` starts.
    pub(crate) fn start(&self, pos: usize) -> usize {
        let pos32 = pos as u32;
        let Some(segs) = &self.segments else {
            return pos;
        };
        match self.segment(segs, pos32) {
            Some(s) if s.linear => (s.src + (pos32 - s.dst).min(s.src_len)) as usize,
            Some(s) => s.src as usize,
            None => 0,
        }
    }

    /// Source offset where the derived span ending (exclusively) at `end` ends.
    pub(crate) fn end(&self, end: usize) -> usize {
        let Some(segs) = &self.segments else {
            return end;
        };
        if end == 0 {
            return self.start(0);
        }
        let last = (end - 1) as u32;
        match self.segment(segs, last) {
            Some(s) if s.linear => (s.src + (last - s.dst + 1).min(s.src_len)) as usize,
            Some(s) => (s.src + s.src_len) as usize,
            None => 0,
        }
    }

    /// Maps the derived span `start..end` to a source span.
    pub(crate) fn span(&self, start: usize, end: usize) -> (usize, usize) {
        let s = self.start(start);
        let e = self.end(end).max(s);
        (s, e)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn linear_and_unit_segments_map_back() {
        // source: "a\u0041b" (8 bytes) decoded to "aAb"
        let mut m = OffsetMap::with_capacity(4);
        m.push_linear(0, 1);
        m.push_unit(1, 6, 1);
        m.push_linear(7, 1);
        assert_eq!(m.span(0, 3), (0, 8));
        assert_eq!(m.span(1, 2), (1, 7));
        assert_eq!(m.span(2, 3), (7, 8));
    }

    #[test]
    fn contiguous_linear_pushes_merge() {
        let mut m = OffsetMap::with_capacity(1);
        m.push_linear(0, 2);
        m.push_linear(2, 3);
        assert_eq!(m.segments.as_ref().map(Vec::len), Some(1));
        assert_eq!(m.span(1, 4), (1, 4));
    }
}

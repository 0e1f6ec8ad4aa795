//! Adler-32 (RFC 1950), the DEX header checksum. Written here to keep the
//! crate's dependencies minimal; sums are deferred for 5552-byte blocks,
//! the largest run that cannot overflow a `u32`.

const MOD: u32 = 65_521;
const NMAX: usize = 5_552;

pub(crate) fn adler32(data: &[u8]) -> u32 {
    let mut a: u32 = 1;
    let mut b: u32 = 0;
    for block in data.chunks(NMAX) {
        let mut quads = block.chunks_exact(4);
        for q in &mut quads {
            for &byte in q {
                a = a.wrapping_add(u32::from(byte));
                b = b.wrapping_add(a);
            }
        }
        for &byte in quads.remainder() {
            a = a.wrapping_add(u32::from(byte));
            b = b.wrapping_add(a);
        }
        a %= MOD;
        b %= MOD;
    }
    (b << 16) | a
}

#[cfg(test)]
mod tests {
    use super::adler32;

    #[test]
    fn known_values() {
        assert_eq!(adler32(b""), 1);
        assert_eq!(adler32(b"Wikipedia"), 0x11e6_0398);
        let big = vec![0xffu8; 100_000];
        // Reference computed by the straightforward per-byte modulo formula.
        let (mut a, mut b) = (1u64, 0u64);
        for &x in &big {
            a = (a + u64::from(x)) % 65_521;
            b = (b + a) % 65_521;
        }
        assert_eq!(adler32(&big), ((b << 16) | a) as u32);
    }
}

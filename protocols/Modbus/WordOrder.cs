namespace City.Protocols.Modbus;

/// <summary>
/// How the bytes of a multi-register value are laid out, named after a 32-bit value with bytes
/// A (most significant) to D. For 64-bit values the same rule extends to all four registers:
/// CDAB reverses the register order, BADC swaps the bytes inside each register, DCBA does both.
/// </summary>
public enum WordOrder
{
    /// <summary>Big-endian: first register holds the most significant word (Modbus default).</summary>
    Abcd,

    /// <summary>Word swapped: first register holds the least significant word.</summary>
    Cdab,

    /// <summary>Byte swapped inside each register, words in big-endian order.</summary>
    Badc,

    /// <summary>Little-endian: words reversed and bytes swapped.</summary>
    Dcba,
}

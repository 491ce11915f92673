namespace City.Protocols.MBus;

/// <summary>
/// Timing of an M-Bus line (EN 13757-2): every character is 11 bits (start, 8 data, even parity, stop). A slave answers
/// between 11 and 330 bit times after the end of the request; the master waits that plus a margin for repeaters and USB
/// adapters (50 ms by default, as common practice) before it gives up.
/// </summary>
public sealed record MBusTiming(int BaudRate)
{
    public const int BitsPerCharacter = 11;

    /// <summary>Extra time on top of the 330 bit times before a silent slave counts as absent.</summary>
    public TimeSpan AnswerMargin { get; init; } = TimeSpan.FromMilliseconds(50);

    /// <summary>One bit on the wire.</summary>
    public TimeSpan BitTime => TimeSpan.FromSeconds(1.0 / BaudRate);

    /// <summary>How long <paramref name="characters"/> take on the wire at this baud rate.</summary>
    public TimeSpan TransmissionTime(int characters) => TimeSpan.FromSeconds((double)characters * BitsPerCharacter / BaudRate);

    /// <summary>How long the master waits for the first character of an answer after its request is on the wire: 330 bit times + margin.</summary>
    public TimeSpan AnswerWindow => TimeSpan.FromSeconds(330.0 / BaudRate) + AnswerMargin;

    /// <summary>Silence inside an answer after which it counts as ended (a cut frame): 3 characters + margin.</summary>
    public TimeSpan InterCharacterTimeout => TransmissionTime(3) + AnswerMargin;

    /// <summary>The slaves' own wait before answering (at least 11 bit times; simulators use this).</summary>
    public TimeSpan SlaveResponseDelay => TimeSpan.FromSeconds(33.0 / BaudRate);
}

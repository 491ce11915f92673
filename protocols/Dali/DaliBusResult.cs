namespace City.Protocols.Dali;

/// <summary>What happened on the bus for one forward frame. Bus conditions are results, never exceptions.</summary>
public enum DaliBusOutcome
{
    /// <summary>The frame went out; no answer was asked for.</summary>
    Sent,

    /// <summary>One backward frame arrived (<see cref="DaliBusResult.Value"/>).</summary>
    Answer,

    /// <summary>No backward frame within the answer window: NO for a yes/no query, "absent" otherwise.</summary>
    NoAnswer,

    /// <summary>A corrupted backward frame: several gear answered at once (a collision). YES for a yes/no query.</summary>
    FramingError,

    /// <summary>The line has no power: nothing can be sent or received.</summary>
    BusPowerFailure,

    /// <summary>The master interface did not confirm the request in time.</summary>
    InterfaceTimeout,

    /// <summary>The master interface refused the request (<see cref="DaliBusResult.Value"/> = its error code).</summary>
    InterfaceRejected,
}

/// <summary>The outcome of one transaction and, for <see cref="DaliBusOutcome.Answer"/>, the backward frame's byte.</summary>
public readonly record struct DaliBusResult(DaliBusOutcome Outcome, byte Value = 0)
{
    public static DaliBusResult Sent { get; } = new(DaliBusOutcome.Sent);

    public static DaliBusResult NoAnswer { get; } = new(DaliBusOutcome.NoAnswer);

    public static DaliBusResult FramingError { get; } = new(DaliBusOutcome.FramingError);

    public static DaliBusResult BusPowerFailure { get; } = new(DaliBusOutcome.BusPowerFailure);

    public static DaliBusResult InterfaceTimeout { get; } = new(DaliBusOutcome.InterfaceTimeout);

    public static DaliBusResult Answer(byte value) => new(DaliBusOutcome.Answer, value);

    /// <summary>The bus carried the transaction (answer or not); false when the line or the interface failed.</summary>
    public bool BusWorked => Outcome is DaliBusOutcome.Sent or DaliBusOutcome.Answer or DaliBusOutcome.NoAnswer or DaliBusOutcome.FramingError;

    /// <summary>
    /// A yes/no query's meaning: any backward frame, a collision included, is YES; no answer is NO; null when the bus or the
    /// interface failed (the question was not answered either way).
    /// </summary>
    public bool? AsYes() => Outcome switch
    {
        DaliBusOutcome.Answer or DaliBusOutcome.FramingError => true,
        DaliBusOutcome.NoAnswer => false,
        _ => null,
    };

    /// <summary>A number query's value; null without a clean single answer.</summary>
    public byte? AsNumber() => Outcome == DaliBusOutcome.Answer ? Value : null;

    /// <summary>QUERY STATUS decoded; null without a clean single answer.</summary>
    public DaliGearStatus? AsStatus() => Outcome == DaliBusOutcome.Answer ? (DaliGearStatus)Value : null;

    public override string ToString() => Outcome == DaliBusOutcome.Answer || Outcome == DaliBusOutcome.InterfaceRejected
        ? $"{Outcome} 0x{Value:X2}"
        : Outcome.ToString();
}

/// <summary>The QUERY STATUS answer (IEC 62386-102), bit 0 first.</summary>
[Flags]
public enum DaliGearStatus : byte
{
    None = 0,
    ControlGearFailure = 1 << 0,
    LampFailure = 1 << 1,
    LampOn = 1 << 2,
    LimitError = 1 << 3,
    FadeRunning = 1 << 4,
    ResetState = 1 << 5,
    ShortAddressMissing = 1 << 6,
    PowerCycleSeen = 1 << 7,
}

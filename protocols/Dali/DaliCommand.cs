namespace City.Protocols.Dali;

/// <summary>What a command expects back on the bus.</summary>
public enum DaliAnswerKind
{
    /// <summary>No backward frame.</summary>
    None,

    /// <summary>YES (any backward frame, a collision included) or NO (no backward frame).</summary>
    YesNo,

    /// <summary>An 8-bit number; no answer means the gear is absent (or does not implement the value).</summary>
    Number,

    /// <summary>The QUERY STATUS bitmap (<see cref="DaliGearStatus"/>).</summary>
    Status,

    /// <summary>A bitmap of 8 groups (QUERY GROUPS 0-7 / 8-15).</summary>
    Bitmap,
}

/// <summary>Which data transfer registers a command reads or writes.</summary>
[Flags]
public enum DaliDtrUse
{
    None = 0,
    Dtr0 = 1,
    Dtr1 = 2,
    Dtr2 = 4,
}

/// <summary>
/// One DALI command as data: its frame, what it expects back, whether the gear needs it twice within 100 ms, which DTRs it
/// uses, and the device type it must be enabled for (ENABLE DEVICE TYPE sent just before; 0 = none needed).
/// </summary>
public sealed record DaliCommand(
    string Name,
    DaliForwardFrame Frame,
    DaliAnswerKind Answer = DaliAnswerKind.None,
    bool SendTwice = false,
    DaliDtrUse Dtr = DaliDtrUse.None,
    byte DeviceType = 0)
{
    public bool ExpectsAnswer => Answer != DaliAnswerKind.None;

    /// <summary>Commands that change the light output get bus priority 2; queries and configuration priority 5 (as python-dali does).</summary>
    public DaliPriority Priority =>
        Answer == DaliAnswerKind.None && !SendTwice && !DaliSpecialOpcode.IsSpecial(Frame.AddressByte) ? DaliPriority.P2 : DaliPriority.P5;

    public override string ToString() => $"{Name} [{Frame}]";
}

/// <summary>Forward-frame priority (IEC 62386-101): the settling time the sender waits before it, P1 shortest.</summary>
public enum DaliPriority
{
    P1 = 1,
    P2 = 2,
    P3 = 3,
    P4 = 4,
    P5 = 5,
}

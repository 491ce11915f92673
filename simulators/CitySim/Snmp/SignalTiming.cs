namespace City.Sim.Snmp;

/// <summary>
/// The stage sequence of the simulated controller, one second at a time: four stages, each a green of its own length, then
/// yellow and all-red. Without priority every green is <see cref="DefaultGreen"/> s (the fixed 96 s cycle). Priority may
/// extend the running green up to <see cref="MaxGreen"/>, or bring a stage forward by cutting the running green and the
/// greens before the wanted stage to <see cref="MinGreen"/> (never below, never skipping a stage). Not thread-safe: the
/// controller holds its lock around every call.
/// </summary>
internal sealed class SignalTiming
{
    public const int Stages = 4;
    public const int DefaultGreen = 20;
    public const int MinGreen = 7;
    public const int MaxGreen = 40;
    public const int Yellow = 3;
    public const int AllRed = 1;

    private readonly int[] _plannedGreen = [DefaultGreen, DefaultGreen, DefaultGreen, DefaultGreen];

    public int Stage { get; private set; }

    /// <summary>Seconds since the current stage's green began.</summary>
    public int InStage { get; private set; }

    /// <summary>The current stage's green length.</summary>
    public int Green { get; private set; } = DefaultGreen;

    /// <summary>Seconds since stage 0's green began.</summary>
    public int CycleSecond { get; private set; }

    /// <summary>Whether the current cycle's timing was changed by priority.</summary>
    public bool CycleHadPriority { get; private set; }

    /// <summary>Completed cycles in a row whose timing priority changed.</summary>
    public int ConsecutivePriorityCycles { get; private set; }

    public bool InGreen => InStage < Green;

    private int StageLength => Green + Yellow + AllRed;

    /// <summary>One second. Returns the stage whose green ended in this second, or -1.</summary>
    public int Step()
    {
        InStage++;
        CycleSecond++;
        var greenEnded = InStage == Green ? Stage : -1;
        if (InStage >= StageLength)
        {
            Stage = (Stage + 1) % Stages;
            InStage = 0;
            Green = _plannedGreen[Stage];
            _plannedGreen[Stage] = DefaultGreen;
            if (Stage == 0)
            {
                CycleSecond = 0;
                ConsecutivePriorityCycles = CycleHadPriority ? ConsecutivePriorityCycles + 1 : 0;
                CycleHadPriority = false;
            }
        }

        return greenEnded;
    }

    /// <summary>Seconds until <paramref name="stage"/>'s green (0 while it is green).</summary>
    public int SecondsUntilGreen(int stage)
    {
        if (stage == Stage && InGreen)
        {
            return 0;
        }

        var seconds = StageLength - InStage;
        for (var s = (Stage + 1) % Stages; s != stage; s = (s + 1) % Stages)
        {
            seconds += _plannedGreen[s] + Yellow + AllRed;
        }

        return seconds;
    }

    /// <summary>Keeps the running green on for <paramref name="seconds"/> more, up to <see cref="MaxGreen"/>; true when that covers all of it.</summary>
    public bool Extend(int seconds)
    {
        var wanted = InStage + seconds;
        var granted = Math.Min(MaxGreen, wanted);
        if (granted > Green)
        {
            Green = granted;
            CycleHadPriority = true;
        }

        return Green >= wanted;
    }

    /// <summary>Brings <paramref name="stage"/>'s green forward: the running green and those before the stage end at their minimum.</summary>
    public void Advance(int stage)
    {
        if (InGreen && Stage != stage)
        {
            Green = Math.Max(MinGreen, InStage);
        }

        for (var s = (Stage + 1) % Stages; s != stage; s = (s + 1) % Stages)
        {
            _plannedGreen[s] = MinGreen;
        }

        CycleHadPriority = true;
    }
}

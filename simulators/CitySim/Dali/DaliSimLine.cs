using City.Protocols.Dali;

namespace City.Sim.Dali;

/// <summary>What the bus carried back after one forward frame.</summary>
internal enum DaliLineAnswerKind
{
    None,
    Value,

    /// <summary>Several gear answered at once: the master sees a framing error.</summary>
    Collision,

    /// <summary>The line has no power: nothing was transmitted.</summary>
    NoPower,
}

internal readonly record struct DaliLineAnswer(DaliLineAnswerKind Kind, byte Value = 0);

/// <summary>How a line of simulated gear is built.</summary>
internal sealed record DaliLineSetup
{
    public int Gear { get; init; } = 64;

    /// <summary>Gear without a short address (the last ones on the line).</summary>
    public int Unaddressed { get; init; }

    /// <summary>Gear with a failed lamp, picked at random (seeded) among all gear.</summary>
    public int Failed { get; init; }

    /// <summary>Gear that never answer, picked at random (seeded) among the gear with a working lamp.</summary>
    public int Silent { get; init; }

    public double RatedWatts { get; init; } = 60;

    public double StandbyWatts { get; init; } = DaliPowerModel.DefaultStandbyWatts;

    public DriverEfficiencyCurve DriverEfficiency { get; init; } = DriverEfficiencyCurve.Ideal;

    /// <summary>The gear's clock runs this many times faster than the injected clock (fades, energy, operating time).</summary>
    public double TimeScale { get; init; } = 1;

    public DaliPowerModel PowerModel => new(RatedWatts, StandbyWatts, DriverEfficiency);

    /// <summary>Positions (0-based) of gear built without D4i: only memory bank 0 (no banks 1, 202, 205-207).</summary>
    public IReadOnlyList<int> NoD4iGear { get; init; } = [];

    public int Seed { get; init; } = 62386;
}

/// <summary>
/// One DALI line: up to 64 gear on one pair of wires. Every forward frame reaches every gear; answers from several gear at
/// once collide. A configuration frame counts as the second of a pair when the identical frame came just before, within
/// 100 ms, with nothing in between. Thread-safe: the interface and test code may touch it from different threads.
/// </summary>
internal sealed class DaliSimLine
{
    public const int MaxGear = 64;
    /// <summary>Real time: on a scaled line it is stretched by the time scale on the gear's clock.</summary>
    private static readonly TimeSpan SendTwiceWindow = TimeSpan.FromMilliseconds(100);
    private readonly Lock _gate = new();
    private readonly List<DaliSimGear> _gear = [];
    private readonly Random _random;
    private readonly TimeProvider _time;
    private readonly long _epoch;
    private DaliForwardFrame? _previousFrame;
    private TimeSpan _previousAt;
    private bool _previousWasSecond;
    private bool _powered = true;

    public DaliSimLine(DaliLineSetup setup, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(setup);
        ArgumentNullException.ThrowIfNull(time);
        if (setup.Gear is < 0 or > MaxGear || setup.Unaddressed < 0 || setup.Unaddressed > setup.Gear || setup.Failed < 0
            || setup.Silent < 0 || setup.Failed + setup.Silent > setup.Gear || setup.NoD4iGear.Any(i => i < 0 || i >= setup.Gear)
            || !(setup.TimeScale >= 1))
        {
            throw new ArgumentException(
                $"A line holds 0..{MaxGear} gear; unaddressed, failed, silent and non-D4i gear must fit in it; the time scale is at least 1.", nameof(setup));
        }

        _time = time;
        _epoch = time.GetTimestamp();
        TimeScale = setup.TimeScale;
        var power = setup.PowerModel;
        _random = new Random(setup.Seed);
        var now = Now;
        int addressed = setup.Gear - setup.Unaddressed;
        for (int i = 0; i < setup.Gear; i++)
        {
            _gear.Add(new DaliSimGear(i, i < addressed ? (byte)i : null, (uint)_random.Next(0, 0x1000000), power, now, TimeScale));
        }

        var order = Enumerable.Range(0, setup.Gear).OrderBy(_ => _random.Next()).ToArray();
        foreach (int i in order.Take(setup.Failed))
        {
            _gear[i].LampFailure = true;
        }

        foreach (int i in order.Skip(setup.Failed).Take(setup.Silent))
        {
            _gear[i].Silent = true;
        }

        foreach (int i in setup.NoD4iGear)
        {
            _gear[i].HasD4iBanks = false;
        }
    }

    /// <summary>The gear's clock: time since the line was created on the injected clock, times <see cref="TimeScale"/>.</summary>
    public TimeSpan Now => _time.GetElapsedTime(_epoch) * TimeScale;

    public double TimeScale { get; }

    public IReadOnlyList<DaliSimGear> Gear => _gear;

    /// <summary>Random addresses the next RANDOMISEs hand out, in order, before the random generator takes over (tests).</summary>
    public Queue<uint> ScriptedRandomAddresses { get; } = new();

    public long ForwardFrames { get; private set; }

    public long Answers { get; private set; }

    public long Collisions { get; private set; }

    public bool Powered
    {
        get
        {
            lock (_gate)
            {
                return _powered;
            }
        }
    }

    /// <summary>Fault injection: the line loses (or regains) its power supply.</summary>
    public void SetPower(bool powered)
    {
        lock (_gate)
        {
            if (_powered && !powered)
            {
                var now = Now;
                foreach (var gear in _gear)
                {
                    gear.BusPowerLost(now);
                }
            }

            _powered = powered;
            _previousFrame = null;
        }
    }

    /// <summary>Runs <paramref name="action"/> on a gear under the line's lock (fault injection, inspection).</summary>
    public T With<T>(Func<IReadOnlyList<DaliSimGear>, TimeSpan, T> action)
    {
        ArgumentNullException.ThrowIfNull(action);
        lock (_gate)
        {
            return action(_gear, Now);
        }
    }

    public DaliLineAnswer Transmit(DaliForwardFrame frame)
    {
        lock (_gate)
        {
            if (!_powered)
            {
                return new DaliLineAnswer(DaliLineAnswerKind.NoPower);
            }

            var now = Now;
            bool second = !_previousWasSecond && _previousFrame == frame && now - _previousAt <= SendTwiceWindow * TimeScale;
            _previousFrame = frame;
            _previousAt = now;
            _previousWasSecond = second;
            ForwardFrames++;

            int answers = 0;
            byte value = 0;
            foreach (var gear in _gear)
            {
                if (gear.Receive(frame, second, DrawRandomAddress, now) is byte answer)
                {
                    answers++;
                    value = answer;
                }
            }

            if (answers == 0)
            {
                return new DaliLineAnswer(DaliLineAnswerKind.None);
            }

            Answers++;
            if (answers == 1)
            {
                return new DaliLineAnswer(DaliLineAnswerKind.Value, value);
            }

            Collisions++;
            return new DaliLineAnswer(DaliLineAnswerKind.Collision);
        }
    }

    private uint DrawRandomAddress() =>
        ScriptedRandomAddresses.TryDequeue(out uint scripted) ? scripted : (uint)_random.Next(0, 0x1000000);
}

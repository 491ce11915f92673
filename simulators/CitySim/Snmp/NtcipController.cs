namespace City.Sim.Snmp;

/// <summary>The alarm words of an <see cref="NtcipController"/> after a change.</summary>
internal readonly record struct NtcipAlarms(int ShortAlarmStatus, int UnitAlarmStatus1, int UnitAlarmStatus2);

/// <summary>
/// A simulated NTCIP 1202 traffic controller: eight phases in two rings (stage k greens phases k and k+4), a
/// cycle of four stages (green, yellow, all-red; the greens as <see cref="SignalTiming"/> and its bus priority server
/// <see cref="PriorityServer"/> leave them), eight detectors whose volume and occupancy are published every
/// collection period, and alarm words that a technician (SNMP SET) can raise and clear. A critical alarm
/// (shortAlarmStatus bit 7) puts the unit in fault-monitor flash: all yellows flash. Time comes from the TimeProvider;
/// state is advanced on demand in one-second steps.
/// </summary>
internal sealed class NtcipController
{
    public const int Phases = 8;
    public const int Detectors = 8;
    public const int GreenSeconds = 20;
    public const int YellowSeconds = 3;
    public const int AllRedSeconds = 1;
    public const int StageSeconds = GreenSeconds + YellowSeconds + AllRedSeconds;
    public const int CycleSeconds = 4 * StageSeconds;
    public const int VolumeOccupancyPeriodSeconds = 10;
    public const int CriticalAlarmBit = 7;
    public const int ControlStatusTimebase = 6;
    public const int FlashStatusNotFlash = 2;
    public const int FlashStatusFaultMonitor = 5;

    private const int MaxStepsPerUpdate = 86_400;

    private readonly Lock _gate = new();
    private readonly TimeProvider _time;
    private readonly Random _random;
    private readonly double[] _arrivalsPerSecond = new double[Detectors];
    private readonly int[] _periodVolume = new int[Detectors];
    private readonly int[] _periodOccupiedSeconds = new int[Detectors];
    private readonly int[] _volume = new int[Detectors];
    private readonly int[] _occupancy = new int[Detectors];
    private readonly long _start;
    private long _seconds;
    private int _sequence;
    private NtcipAlarms _alarms;
    private readonly SignalTiming _timing = new();
    private readonly PriorityServer _priority;

    public NtcipController(TimeProvider time, int seed)
    {
        _time = time;
        _random = new Random(seed);
        _start = time.GetTimestamp();
        _priority = new PriorityServer(_timing);
        for (var i = 0; i < Detectors; i++)
        {
            _arrivalsPerSecond[i] = 0.1 + (0.3 * _random.NextDouble());
        }
    }

    /// <summary>
    /// Runs <paramref name="action"/> on the priority request server under the controller's lock, the timing brought up to
    /// now first; the second argument is the controller's time in whole seconds.
    /// </summary>
    public T WithPriority<T>(Func<PriorityServer, long, T> action)
    {
        ArgumentNullException.ThrowIfNull(action);
        lock (_gate)
        {
            Advance();
            return action(_priority, _seconds);
        }
    }

    /// <summary>The current stage (0-3), seconds into it and its green length, as priority left them.</summary>
    public (int Stage, int InStage, int Green) Timing
    {
        get
        {
            lock (_gate)
            {
                Advance();
                return (_timing.Stage, _timing.InStage, _timing.Green);
            }
        }
    }

    /// <summary>Raised (outside the lock) when an alarm word changes.</summary>
    public event Action<NtcipAlarms>? AlarmsChanged;

    public NtcipAlarms Alarms
    {
        get
        {
            lock (_gate)
            {
                return _alarms;
            }
        }
    }

    public int UnitControlStatus => ControlStatusTimebase;

    public int UnitFlashStatus => (Alarms.ShortAlarmStatus & (1 << CriticalAlarmBit)) != 0 ? FlashStatusFaultMonitor : FlashStatusNotFlash;

    /// <summary>Seconds into the cycle (0 .. CycleSeconds-1).</summary>
    public int CycleSecond
    {
        get
        {
            lock (_gate)
            {
                Advance();
                return _timing.CycleSecond;
            }
        }
    }

    /// <summary>Phase status group 1 bitmaps (bit n-1 = phase n).</summary>
    public (int Reds, int Yellows, int Greens) PhaseStatus
    {
        get
        {
            lock (_gate)
            {
                Advance();
                if ((_alarms.ShortAlarmStatus & (1 << CriticalAlarmBit)) != 0)
                {
                    return _seconds % 2 == 0 ? (0, 0xFF, 0) : (0, 0, 0);
                }

                var stage = _timing.Stage;
                var inStage = _timing.InStage;
                var stagePhases = (1 << stage) | (1 << (stage + 4));
                var reds = 0xFF & ~stagePhases;
                return inStage < _timing.Green ? (reds, 0, stagePhases)
                    : inStage < _timing.Green + YellowSeconds ? (reds, stagePhases, 0)
                    : (0xFF, 0, 0);
            }
        }
    }

    public int VolumeOccupancySequence
    {
        get
        {
            lock (_gate)
            {
                Advance();
                return _sequence;
            }
        }
    }

    /// <summary>Volume (vehicles) and occupancy (0-200, 0.5 % steps) of detector 1-8 in the last complete period.</summary>
    public (int Volume, int Occupancy) Detector(int detector)
    {
        lock (_gate)
        {
            Advance();
            return (_volume[detector - 1], _occupancy[detector - 1]);
        }
    }

    public void SetAlarms(Func<NtcipAlarms, NtcipAlarms> change)
    {
        NtcipAlarms before;
        NtcipAlarms after;
        lock (_gate)
        {
            before = _alarms;
            after = change(before);
            _alarms = after;
        }

        if (after != before)
        {
            AlarmsChanged?.Invoke(after);
        }
    }

    private void Advance()
    {
        var target = (long)_time.GetElapsedTime(_start).TotalSeconds;
        var steps = Math.Min(target - _seconds, MaxStepsPerUpdate);
        var flashing = (_alarms.ShortAlarmStatus & (1 << CriticalAlarmBit)) != 0;
        for (var step = 0; step < steps; step++)
        {
            var greenEnded = _timing.Step();
            _priority.Step(_seconds + step + 1, greenEnded, flashing);
            for (var i = 0; i < Detectors; i++)
            {
                if (_random.NextDouble() < _arrivalsPerSecond[i])
                {
                    _periodVolume[i]++;
                    _periodOccupiedSeconds[i]++;
                }
            }

            if ((_seconds + step + 1) % VolumeOccupancyPeriodSeconds == 0)
            {
                for (var i = 0; i < Detectors; i++)
                {
                    _volume[i] = _periodVolume[i];
                    _occupancy[i] = Math.Min(200, _periodOccupiedSeconds[i] * 200 / VolumeOccupancyPeriodSeconds);
                    _periodVolume[i] = 0;
                    _periodOccupiedSeconds[i] = 0;
                }

                _sequence = (_sequence + 1) % 256;
            }
        }

        _seconds = target;
    }
}

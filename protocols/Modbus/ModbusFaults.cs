namespace City.Protocols.Modbus;

/// <summary>
/// Fault injection for <see cref="ModbusTcpSlave"/> and <see cref="ModbusRtuSlave"/> (simulators and tests): dead units,
/// busy answers, exception answers, slow answers, and (RTU) corrupted CRCs. Applied to requests addressed to one unit;
/// broadcasts are executed as usual (except by silent units) and never answered.
/// The order for each request: a silent unit does nothing; otherwise a pending busy answer (<see cref="BusyFirstRequests"/>,
/// or <c>AnswerBusy</c> on the slave), then <see cref="BusyProbability"/>, then <see cref="ExceptionProbability"/> decide
/// whether the request is refused without being executed; then the answer waits <see cref="ResponseDelay"/>.
/// </summary>
public sealed record ModbusFaults
{
    /// <summary>No faults.</summary>
    public static ModbusFaults None { get; } = new();

    /// <summary>Units that are served by nobody: requests for them are neither executed nor answered (a dead device).</summary>
    public IReadOnlyCollection<byte> SilentUnitIds { get; init; } = [];

    /// <summary>The first N requests (any unit but silent ones) are answered with exception 06 (server device busy) and not executed.</summary>
    public int BusyFirstRequests { get; init; }

    /// <summary>Share (0..1) of requests answered with exception 06 (server device busy), not executed.</summary>
    public double BusyProbability { get; init; }

    /// <summary>Share (0..1) of requests answered with <see cref="ExceptionCode"/>, not executed.</summary>
    public double ExceptionProbability { get; init; }

    /// <summary>Exception code for <see cref="ExceptionProbability"/>. Default 04 (server device failure).</summary>
    public ModbusExceptionCode ExceptionCode { get; init; } = ModbusExceptionCode.ServerDeviceFailure;

    /// <summary>Extra delay before every answer (device turnaround), on the slave's <see cref="TimeProvider"/>.</summary>
    public TimeSpan ResponseDelay { get; init; }

    /// <summary>RTU only: share (0..1) of answers sent with a corrupted CRC. A TCP slave refuses a non-zero value.</summary>
    public double CrcErrorProbability { get; init; }

    /// <summary>Uniform numbers in [0, 1) for the probabilities; must be thread-safe. Default: <see cref="Random.Shared"/>.</summary>
    public Func<double>? Sample { get; init; }

    /// <summary>True when nothing is injected.</summary>
    public bool IsNone => SilentUnitIds.Count == 0 && BusyFirstRequests == 0 && BusyProbability == 0 && ExceptionProbability == 0
        && ResponseDelay == TimeSpan.Zero && CrcErrorProbability == 0;

    internal void Validate(string parameterName)
    {
        CheckProbability(BusyProbability, parameterName);
        CheckProbability(ExceptionProbability, parameterName);
        CheckProbability(CrcErrorProbability, parameterName);
        ArgumentOutOfRangeException.ThrowIfNegative(BusyFirstRequests, parameterName);
        ArgumentOutOfRangeException.ThrowIfLessThan(ResponseDelay, TimeSpan.Zero, parameterName);
        ArgumentNullException.ThrowIfNull(SilentUnitIds, parameterName);
        if (!Enum.IsDefined(ExceptionCode))
        {
            throw new ArgumentOutOfRangeException(parameterName, ExceptionCode, "Exception code must be one of ModbusExceptionCode.");
        }
    }

    private static void CheckProbability(double value, string parameterName)
    {
        if (double.IsNaN(value) || value is < 0.0 or > 1.0)
        {
            throw new ArgumentOutOfRangeException(parameterName, value, "A fault probability must be in 0..1.");
        }
    }
}

/// <summary>What a slave does with one request addressed to one unit.</summary>
internal enum ModbusFaultVerdict
{
    Serve,
    Silent,
    Refuse,
}

/// <summary>The running state of a <see cref="ModbusFaults"/> description, shared by both slaves: decisions and counters.</summary>
internal sealed class ModbusFaultInjector
{
    private readonly HashSet<byte> _silentUnits;
    private readonly Func<double> _sample;
    private int _busyPending;
    private long _silenced;
    private long _busyAnswers;
    private long _exceptionAnswers;
    private long _corrupted;

    public ModbusFaultInjector(ModbusFaults? faults, string parameterName)
    {
        Faults = faults ?? ModbusFaults.None;
        Faults.Validate(parameterName);
        _silentUnits = [.. Faults.SilentUnitIds];
        _sample = Faults.Sample ?? Random.Shared.NextDouble;
        _busyPending = Faults.BusyFirstRequests;
    }

    public ModbusFaults Faults { get; }

    public long SilencedCount => Interlocked.Read(ref _silenced);

    public long BusyAnswerCount => Interlocked.Read(ref _busyAnswers);

    public long InjectedExceptionCount => Interlocked.Read(ref _exceptionAnswers);

    public long CorruptedResponseCount => Interlocked.Read(ref _corrupted);

    public bool IsSilent(byte unit) => _silentUnits.Contains(unit);

    public void AnswerBusy(int requests)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(requests);
        Interlocked.Add(ref _busyPending, requests);
    }

    /// <summary>
    /// Decides the fate of a request for <paramref name="unit"/>. For <see cref="ModbusFaultVerdict.Refuse"/> the exception
    /// response PDU for <paramref name="function"/> is written to <paramref name="responsePdu"/> (2 bytes).
    /// </summary>
    public ModbusFaultVerdict Decide(byte unit, byte function, Span<byte> responsePdu, out int responseLength)
    {
        responseLength = 0;
        if (_silentUnits.Contains(unit))
        {
            Interlocked.Increment(ref _silenced);
            return ModbusFaultVerdict.Silent;
        }

        ModbusExceptionCode code;
        if (TryTakeBusy() || Happens(Faults.BusyProbability))
        {
            Interlocked.Increment(ref _busyAnswers);
            code = ModbusExceptionCode.ServerDeviceBusy;
        }
        else if (Happens(Faults.ExceptionProbability))
        {
            Interlocked.Increment(ref _exceptionAnswers);
            code = Faults.ExceptionCode;
        }
        else
        {
            return ModbusFaultVerdict.Serve;
        }

        ModbusPdu.TryEncodeExceptionResponse(function, code, responsePdu, out responseLength);
        return ModbusFaultVerdict.Refuse;
    }

    /// <summary>True when this answer should go out with a corrupted CRC (RTU); counts it.</summary>
    public bool CorruptThisAnswer()
    {
        if (!Happens(Faults.CrcErrorProbability))
        {
            return false;
        }

        Interlocked.Increment(ref _corrupted);
        return true;
    }

    private bool Happens(double probability) => probability > 0 && _sample() < probability;

    private bool TryTakeBusy()
    {
        while (true)
        {
            int pending = Volatile.Read(ref _busyPending);
            if (pending <= 0)
            {
                return false;
            }

            if (Interlocked.CompareExchange(ref _busyPending, pending - 1, pending) == pending)
            {
                return true;
            }
        }
    }
}

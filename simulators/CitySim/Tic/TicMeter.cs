using System.Globalization;
using City.Protocols.Tic;

namespace City.Sim.Tic;

/// <summary>How <c>citysim tic</c>'s meter is set up.</summary>
internal sealed record TicMeterSetup
{
    /// <summary>Mean apparent power drawn, VA; the load swings about ±30 % around it over minutes.</summary>
    public double PowerVa { get; init; } = 1500;

    /// <summary>Subscribed power, kVA (PREF / ISOUSC = kVA x 5 A).</summary>
    public int SubscribedKva { get; init; } = 6;

    /// <summary>The meter's clock runs this many times faster than the real one (indexes, tariff periods, dates).</summary>
    public double TimeScale { get; init; } = 1;

    /// <summary>Off-peak hours (heures creuses) of the HC/HP option, local time: [start, end).</summary>
    public int OffPeakStartHour { get; init; } = 22;

    public int OffPeakEndHour { get; init; } = 6;

    public int Seed { get; init; } = 54;

    /// <summary>The meter's address (ADCO / ADSC, 12 digits).</summary>
    public string Address { get; init; } = "021861348497";

    public double InitialOffPeakWh { get; init; } = 4_432_429;

    public double InitialPeakWh { get; init; } = 9_236_697;
}

/// <summary>
/// A single-phase Linky meter on the HC/HP (off-peak / peak) option: its apparent power wanders around the configured
/// mean, the index of the tariff period in force integrates the active power (power factor 0.95) over the meter's
/// clock, and the period follows the off-peak hours of the meter's local (Paris) time. <see cref="Frame"/> gives the
/// groups of one frame in either mode. Time comes from the <see cref="TimeProvider"/>.
/// </summary>
internal sealed class TicMeter
{
    private const double PowerFactor = 0.95;
    private const double Voltage = 230;
    private const int MaxStepsPerAdvance = 1_000_000;

    /// <summary>The integration step of the indexes, in meter time (the load swings over 10 minutes).</summary>
    public static readonly TimeSpan Step = TimeSpan.FromSeconds(10);
    private static readonly TimeZoneInfo Paris = FindParis();

    private readonly TicMeterSetup _setup;
    private readonly TimeProvider _time;
    private readonly DateTimeOffset _realStart;
    private readonly double _phase;
    private readonly Random _random;
    private DateTimeOffset _lastMeterTime;
    private double _offPeakWh;
    private double _peakWh;
    private double _maxVaToday;
    private DateTimeOffset _maxVaTodayAt;
    private double _maxVaYesterday;
    private DateTimeOffset _maxVaYesterdayAt;
    private int _maxCurrentA;

    public TicMeter(TicMeterSetup setup, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(setup);
        ArgumentNullException.ThrowIfNull(time);
        _setup = setup;
        _time = time;
        _realStart = time.GetUtcNow();
        _lastMeterTime = _realStart;
        _random = new Random(setup.Seed);
        _phase = _random.NextDouble() * 2 * Math.PI;
        _offPeakWh = setup.InitialOffPeakWh;
        _peakWh = setup.InitialPeakWh;
        _maxVaYesterdayAt = _realStart.AddDays(-1);
        _maxVaTodayAt = _realStart;
    }

    /// <summary>The meter's clock: real time since the start, times the time scale.</summary>
    public DateTimeOffset MeterTime => _realStart + ((_time.GetUtcNow() - _realStart) * _setup.TimeScale);

    public double ApparentPowerVa { get; private set; }

    public bool OffPeak { get; private set; }

    public long OffPeakWh => (long)_offPeakWh;

    public long PeakWh => (long)_peakWh;

    /// <summary>
    /// Brings the indexes up to the meter's clock in steps of at most <see cref="Step"/> of meter time: each step adds the
    /// mean power of its two ends to the index of the tariff period in force at its start.
    /// </summary>
    public void Advance()
    {
        DateTimeOffset now = MeterTime;
        double power = ApparentPowerVa == 0 ? PowerAt(_lastMeterTime) : ApparentPowerVa;
        for (int steps = 0; _lastMeterTime < now && steps < MaxStepsPerAdvance; steps++)
        {
            DateTimeOffset next = _lastMeterTime + Step < now ? _lastMeterTime + Step : now;
            double nextPower = PowerAt(next);
            double wh = (power + nextPower) / 2 * PowerFactor * (next - _lastMeterTime).TotalHours;
            if (IsOffPeak(_lastMeterTime))
            {
                _offPeakWh += wh;
            }
            else
            {
                _peakWh += wh;
            }

            if (LocalOf(next).Date != LocalOf(_lastMeterTime).Date)
            {
                (_maxVaYesterday, _maxVaYesterdayAt, _maxVaToday) = (_maxVaToday, _maxVaTodayAt, 0);
            }

            if (nextPower > _maxVaToday)
            {
                (_maxVaToday, _maxVaTodayAt) = (nextPower, next);
            }

            (_lastMeterTime, power) = (next, nextPower);
        }

        _lastMeterTime = now;
        ApparentPowerVa = power;
        OffPeak = IsOffPeak(now);
        _maxCurrentA = Math.Max(_maxCurrentA, CurrentA);
    }

    private int CurrentA => (int)Math.Round(ApparentPowerVa / Voltage);

    /// <summary>The groups of one frame in <paramref name="mode"/>, at the meter's present state (call <see cref="Advance"/> first).</summary>
    public IReadOnlyList<TicGroup> Frame(TicMode mode) => mode == TicMode.Standard ? StandardFrame() : HistoricFrame();

    private List<TicGroup> HistoricFrame() =>
    [
        new("ADCO", _setup.Address),
        new("OPTARIF", "HC.."),
        new("ISOUSC", Digits(_setup.SubscribedKva * 5, 2)),
        new("HCHC", Digits(OffPeakWh, 9)),
        new("HCHP", Digits(PeakWh, 9)),
        new("PTEC", OffPeak ? "HC.." : "HP.."),
        new("IINST", Digits(CurrentA, 3)),
        new("IMAX", Digits(Math.Max(_maxCurrentA, 1), 3)),
        new("PAPP", Digits((long)Math.Round(ApparentPowerVa), 5)),
        new("HHPHC", "A"),
        new("MOTDETAT", "000000"),
    ];

    private List<TicGroup> StandardFrame()
    {
        DateTimeOffset now = MeterTime;
        int tariffIndex = OffPeak ? 1 : 2;
        // Bit 17: standard TIC; bits 10-13: supplier index - 1; bits 14-15: distributor index - 1; the clock is valid.
        uint status = (1u << 17) | ((uint)(tariffIndex - 1) << 10) | ((uint)(tariffIndex - 1) << 14);
        var groups = new List<TicGroup>
        {
            new("ADSC", _setup.Address),
            new("VTIC", "02"),
            new("DATE", "", Stamp(now)),
            new("NGTF", Padded("H PLEINE/CREUSE")),
            new("LTARF", Padded(OffPeak ? "HEURE  CREUSE" : "HEURE  PLEINE")),
            new("EAST", Digits(OffPeakWh + PeakWh, 9)),
            new("EASF01", Digits(OffPeakWh, 9)),
            new("EASF02", Digits(PeakWh, 9)),
        };
        for (int index = 3; index <= 10; index++)
        {
            groups.Add(new($"EASF{index:D2}", Digits(0, 9)));
        }

        groups.Add(new("EASD01", Digits(OffPeakWh, 9)));
        groups.Add(new("EASD02", Digits(PeakWh, 9)));
        groups.Add(new("EASD03", Digits(0, 9)));
        groups.Add(new("EASD04", Digits(0, 9)));
        groups.AddRange(
        [
            new("IRMS1", Digits(CurrentA, 3)),
            new("URMS1", Digits((long)Voltage, 3)),
            new("PREF", Digits(_setup.SubscribedKva, 2)),
            new("PCOUP", Digits(_setup.SubscribedKva, 2)),
            new("SINSTS", Digits((long)Math.Round(ApparentPowerVa), 5)),
            new("SMAXSN", Digits((long)Math.Round(_maxVaToday), 5), Stamp(_maxVaTodayAt)),
            new("SMAXSN-1", Digits((long)Math.Round(_maxVaYesterday), 5), Stamp(_maxVaYesterdayAt)),
            new("CCASN", Digits((long)Math.Round(ApparentPowerVa * PowerFactor), 5), Stamp(now)),
            new("UMOY1", Digits((long)Voltage, 3), Stamp(now)),
            new("STGE", status.ToString("X8", CultureInfo.InvariantCulture)),
            new("MSG1", "PAS DE          MESSAGE         "),
            new("PRM", "0" + _setup.Address + "0"),
            new("RELAIS", "000"),
            new("NTARF", Digits(tariffIndex, 2)),
            new("NJOURF", "00"),
            new("NJOURF+1", "00"),
            new("PJOURF+1", $"00008001 {_setup.OffPeakEndHour:D2}008002 {_setup.OffPeakStartHour:D2}008001 NONUTILE NONUTILE NONUTILE NONUTILE NONUTILE NONUTILE NONUTILE NONUTILE"),
        ]);
        return groups;
    }

    private double PowerAt(DateTimeOffset meterTime)
    {
        double seconds = (meterTime - _realStart).TotalSeconds;
        double swing = 0.3 * Math.Sin((2 * Math.PI * seconds / 600) + _phase);
        double noise = 0.02 * ((_random.NextDouble() * 2) - 1);
        return Math.Max(0, _setup.PowerVa * (1 + swing + noise));
    }

    private bool IsOffPeak(DateTimeOffset meterTime)
    {
        int hour = LocalOf(meterTime).Hour;
        return _setup.OffPeakStartHour > _setup.OffPeakEndHour
            ? hour >= _setup.OffPeakStartHour || hour < _setup.OffPeakEndHour
            : hour >= _setup.OffPeakStartHour && hour < _setup.OffPeakEndHour;
    }

    private static DateTime LocalOf(DateTimeOffset time) => TimeZoneInfo.ConvertTime(time, Paris).DateTime;

    private static TicTimestamp Stamp(DateTimeOffset time) =>
        new(LocalOf(time), Paris.IsDaylightSavingTime(time) ? TicSeason.Summer : TicSeason.Winter, ClockValid: true);

    private static string Digits(long value, int width) => Math.Clamp(value, 0, (long)Math.Pow(10, width) - 1).ToString("D" + width.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);

    private static string Padded(string text) => text.PadRight(16);

    private static TimeZoneInfo FindParis()
    {
        try
        {
            return TimeZoneInfo.FindSystemTimeZoneById("Europe/Paris");
        }
        catch (TimeZoneNotFoundException)
        {
            // Without tzdata: central European winter time all year.
            return TimeZoneInfo.CreateCustomTimeZone("CET", TimeSpan.FromHours(1), "CET", "CET");
        }
    }
}

using City.Protocols.MBus;

namespace City.Sim.MBus;

/// <summary>The kinds of meter the line simulates.</summary>
internal enum MBusMeterKind
{
    Heat,
    Water,
    Electricity,
}

/// <summary>
/// One simulated M-Bus meter: its primary and secondary address, its link state (selected, the frame count bit of the last
/// REQ_UD2 and the answer to repeat when the master repeats it) and readings that move with time: a heat meter's power
/// and temperatures, a water meter's flow, an electricity meter's load, each integrated into its counters.
/// </summary>
internal sealed class MBusSimMeter
{
    public const string ManufacturerCode = "CTY";

    private readonly TimeProvider _time;
    private readonly double _phase;
    private long _lastUpdate;
    private byte _accessNumber;
    private bool? _lastFrameCountBit;
    private byte[]? _lastAnswer;

    public MBusSimMeter(MBusMeterKind kind, byte primaryAddress, uint identificationBcd, TimeProvider time, double timeScale = 1)
    {
        Kind = kind;
        PrimaryAddress = primaryAddress;
        _time = time;
        TimeScale = timeScale;
        SecondaryAddress = new MBusSecondaryAddress(
            identificationBcd,
            MBusSecondaryAddress.PackManufacturer(ManufacturerCode),
            kind switch { MBusMeterKind.Heat => 0x12, MBusMeterKind.Water => 0x21, _ => 0x33 },
            kind switch { MBusMeterKind.Heat => MBusMedium.HeatOutlet, MBusMeterKind.Water => MBusMedium.Water, _ => MBusMedium.Electricity });
        _phase = (identificationBcd % 97) / 97.0 * Math.PI * 2;
        _lastUpdate = time.GetTimestamp();
        _accessNumber = (byte)(identificationBcd & 0xFF);
        EnergyWh = kind == MBusMeterKind.Heat ? 37_351_000 : 1_234_567;
        VolumeLitres = kind == MBusMeterKind.Heat ? 561_080 : 123_456;
    }

    public MBusMeterKind Kind { get; }

    public byte PrimaryAddress { get; set; }

    public MBusSecondaryAddress SecondaryAddress { get; }

    public double TimeScale { get; }

    /// <summary>Whether the last selection (SND_UD CI 0x52) matched this meter: it then answers at address 253.</summary>
    public bool Selected { get; set; }

    public double EnergyWh { get; private set; }

    public double VolumeLitres { get; private set; }

    /// <summary>SND_NKE: forget the frame count state (the next REQ_UD2 gets fresh data whatever its FCB).</summary>
    public void ResetLink()
    {
        _lastFrameCountBit = null;
        _lastAnswer = null;
    }

    /// <summary>The RSP_UD to a REQ_UD2: new data, or the previous answer again when the master repeats the request (same FCB).</summary>
    public byte[] AnswerRequest(bool frameCountValid, bool frameCountBit, byte address)
    {
        if (frameCountValid && _lastAnswer is not null && _lastFrameCountBit == frameCountBit)
        {
            return _lastAnswer;
        }

        _accessNumber++;
        byte[] data = BuildTelegram();
        var frame = MBusFrame.Long(MBusControl.RspUd, address == MBusAddress.Network ? PrimaryAddress : address, MBusControlInformation.VariableData, data);
        _lastAnswer = MBusFraming.Encode(frame);
        _lastFrameCountBit = frameCountValid ? frameCountBit : null;
        return _lastAnswer;
    }

    /// <summary>Instantaneous power (W) or flow (l/h) at this moment of the simulated day.</summary>
    public double Load(double hours) => Kind switch
    {
        MBusMeterKind.Heat => 12_000 + (4_000 * Math.Sin((hours / 24 * Math.PI * 2) + _phase)),
        MBusMeterKind.Water => 450 + (300 * Math.Sin((hours / 6 * Math.PI * 2) + _phase)),
        _ => 2_300 + (900 * Math.Sin((hours / 24 * Math.PI * 2) + _phase)),
    };

    private byte[] BuildTelegram()
    {
        long now = _time.GetTimestamp();
        double hours = _time.GetElapsedTime(_lastUpdate, now).TotalHours * TimeScale;
        DateTime clock = _time.GetUtcNow().UtcDateTime;
        double load = Load(clock.TimeOfDay.TotalHours);
        _lastUpdate = now;
        var writer = new MBusTelegramWriter(SecondaryAddress, _accessNumber);
        switch (Kind)
        {
            case MBusMeterKind.Heat:
                // Heat: power P = flow x c x dT; 20 K spread, so flow (l/h) = P / (1.163 x 20).
                double flow = load / (1.163 * 20);
                EnergyWh += load * hours;
                VolumeLitres += flow * hours;
                double supply = 70 + (5 * Math.Sin(_phase + (clock.Hour / 24.0 * Math.PI * 2)));
                writer.Bcd(MBusDataCoding.Bcd8, 0x78, Identification)
                    .Bcd(MBusDataCoding.Bcd8, 0x06, (long)(EnergyWh / 1000))
                    .Bcd(MBusDataCoding.Bcd8, 0x14, (long)(VolumeLitres / 10))
                    .Integer(MBusDataCoding.Int32, 0x2B, (long)load)
                    .Integer(MBusDataCoding.Int32, 0x3B, (long)flow)
                    .Integer(MBusDataCoding.Int16, 0x59, (long)(supply * 100))
                    .Integer(MBusDataCoding.Int16, 0x5D, (long)((supply - 20) * 100))
                    .Integer(MBusDataCoding.Int16, 0x61, 2000)
                    .DateTime(clock)
                    .Bcd(MBusDataCoding.Bcd8, 0x06, (long)(EnergyWh * 0.9 / 1000), storage: 1)
                    .Date(new DateTime(clock.Year, clock.Month, 1).AddDays(-1), storage: 1)
                    .ManufacturerData([0x00, 0x01, (byte)_accessNumber]);
                break;
            case MBusMeterKind.Water:
                VolumeLitres += load * hours;
                writer.Bcd(MBusDataCoding.Bcd8, 0x13, (long)VolumeLitres)
                    .Integer(MBusDataCoding.Int16, 0x3B, (long)load)
                    .DateTime(clock)
                    .Bcd(MBusDataCoding.Bcd8, 0x13, (long)(VolumeLitres * 0.95), storage: 1)
                    .Date(new DateTime(clock.Year, clock.Month, 1).AddDays(-1), storage: 1);
                break;
            default:
                EnergyWh += load * hours;
                writer.Bcd(MBusDataCoding.Bcd12, 0x03, (long)EnergyWh)
                    .Bcd(MBusDataCoding.Bcd8, 0x06, (long)(EnergyWh * 0.6 / 1000), tariff: 1)
                    .Bcd(MBusDataCoding.Bcd8, 0x06, (long)(EnergyWh * 0.4 / 1000), tariff: 2)
                    .Integer(MBusDataCoding.Int32, 0x2B, (long)load)
                    .Real(0, (float)(230 + (2 * Math.Sin(_phase + hours))), fdCode: 0x49)
                    .Real(0, (float)(load / 230), fdCode: 0x5C)
                    .DateTime(clock);
                break;
        }

        return writer.ToArray();
    }

    private long Identification => long.Parse(SecondaryAddress.Identification, System.Globalization.CultureInfo.InvariantCulture);
}

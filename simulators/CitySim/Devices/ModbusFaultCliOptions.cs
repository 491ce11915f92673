using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;
using System.IO.Ports;
using City.Protocols.Modbus;
using City.Sim.Common;

namespace City.Sim.Devices;

/// <summary>
/// The fault-injection options of <c>citysim modbus</c>, turned into one <see cref="ModbusFaults"/> for the TCP or RTU slave,
/// and <c>--wire-format</c>, the character format <c>--wire-timing</c> computes with.
/// </summary>
internal sealed class ModbusFaultCliOptions
{
    public ModbusFaultCliOptions()
    {
        SilentUnits.Validators.Add(result =>
        {
            foreach (var unit in result.GetValueOrDefault<int[]>() ?? [])
            {
                if (unit is < 1 or > 247)
                {
                    result.AddError(string.Create(CultureInfo.InvariantCulture, $"--silent-unit must be between 1 and 247 (got {unit})."));
                }
            }
        });
        ExceptionCode.Validators.Add(result =>
        {
            if (!TryParseExceptionCode(result.GetValueOrDefault<string>(), out _))
            {
                result.AddError("--exception-code must be an exception code: 1, 2, 3, 4, 5, 6, 8, 10 or 11 (or 0x0A, 0x0B).");
            }
        });
        WireFormat.AcceptOnlyFromAmong("8E1", "8N1", "8O1", "8N2");
    }

    public Option<int[]> SilentUnits { get; } = new("--silent-unit")
    {
        Description = "Unit that never answers (a dead device); repeat the option for several",
        Arity = ArgumentArity.ZeroOrMore,
        AllowMultipleArgumentsPerToken = false,
    };

    public Option<double> CrcErrorRate { get; } = CliOptions.Double("--crc-error-rate", "Share of RTU answers sent with a corrupted CRC (--rtu only)", 0, 0, 1);

    public Option<double> ExceptionRate { get; } = CliOptions.Double("--exception-rate", "Share of requests refused with --exception-code, not executed", 0, 0, 1);

    public Option<string> ExceptionCode { get; } = new("--exception-code")
    {
        Description = "Exception code for --exception-rate, decimal or 0x hex (4: server device failure, 11: gateway target failed to respond)",
        DefaultValueFactory = _ => "4",
    };

    public Option<double> BusyRate { get; } = CliOptions.Double("--busy-rate", "Share of requests refused with exception 06 (server device busy), not executed", 0, 0, 1);

    public Option<int> BusyFirst { get; } = CliOptions.Int("--busy-first", "The first N requests are refused with exception 06 (server device busy)", 0, 0, int.MaxValue);

    public Option<int> DelayMs { get; } = CliOptions.Int("--delay-ms", "Extra delay before every answer, in milliseconds (a slow device)", 0, 0, 600_000);

    public Option<string?> WireFormat { get; } = new("--wire-format")
    {
        Description = "Character format --wire-timing computes with; default: the port's. "
            + "A pty cannot take a parity: open it 8N1 (--parity none) and time it as 8E1",
    };

    public IEnumerable<Option> All => [SilentUnits, CrcErrorRate, ExceptionRate, ExceptionCode, BusyRate, BusyFirst, DelayMs, WireFormat];

    /// <summary>Errors for options that only mean something on an RTU line.</summary>
    public void ValidateFor(CommandResult result, bool rtu)
    {
        if (rtu)
        {
            return;
        }

        // Given at all, not just non-zero: reading the value of an option that failed to parse would throw here.
        if (result.GetResult(CrcErrorRate) is { Implicit: false })
        {
            result.AddError("--crc-error-rate applies to an RTU line (--rtu): Modbus TCP has no CRC.");
        }

        if (result.GetResult(WireFormat) is { Implicit: false })
        {
            result.AddError("--wire-format applies to an RTU line (--rtu).");
        }
    }

    public ModbusFaults Read(ParseResult parseResult)
    {
        TryParseExceptionCode(parseResult.GetValue(ExceptionCode), out var code);
        return new ModbusFaults
        {
            SilentUnitIds = [.. (parseResult.GetValue(SilentUnits) ?? []).Select(u => (byte)u)],
            CrcErrorProbability = parseResult.GetValue(CrcErrorRate),
            ExceptionProbability = parseResult.GetValue(ExceptionRate),
            ExceptionCode = code,
            BusyProbability = parseResult.GetValue(BusyRate),
            BusyFirstRequests = parseResult.GetValue(BusyFirst),
            ResponseDelay = TimeSpan.FromMilliseconds(parseResult.GetValue(DelayMs)),
        };
    }

    /// <summary>Timing for --wire-timing: the --wire-format when given, else the port's own format.</summary>
    public ModbusRtuTiming ReadTiming(ParseResult parseResult, ModbusRtuSerialSettings port) =>
        parseResult.GetValue(WireFormat) is { } format ? TimingFor(format, port.BaudRate) : port.Timing;

    /// <summary>8E1, 8N1, 8O1 or 8N2 at <paramref name="baud"/>.</summary>
    public static ModbusRtuTiming TimingFor(string format, int baud) => format.ToUpperInvariant() switch
    {
        "8E1" => ModbusRtuTiming.For(baud, 8, Parity.Even, StopBits.One),
        "8O1" => ModbusRtuTiming.For(baud, 8, Parity.Odd, StopBits.One),
        "8N1" => ModbusRtuTiming.For(baud, 8, Parity.None, StopBits.One),
        "8N2" => ModbusRtuTiming.For(baud, 8, Parity.None, StopBits.Two),
        _ => throw new ArgumentOutOfRangeException(nameof(format), format, "Wire format must be 8E1, 8N1, 8O1 or 8N2."),
    };

    /// <summary>One line for the log describing what is injected, or null when nothing is.</summary>
    public static string? Describe(ModbusFaults faults)
    {
        if (faults.IsNone)
        {
            return null;
        }

        var parts = new List<string>();
        if (faults.SilentUnitIds.Count > 0)
        {
            parts.Add("silent units " + string.Join(",", faults.SilentUnitIds));
        }

        if (faults.BusyFirstRequests > 0)
        {
            parts.Add(string.Create(CultureInfo.InvariantCulture, $"busy for the first {faults.BusyFirstRequests} requests"));
        }

        if (faults.BusyProbability > 0)
        {
            parts.Add(string.Create(CultureInfo.InvariantCulture, $"busy rate {faults.BusyProbability}"));
        }

        if (faults.ExceptionProbability > 0)
        {
            parts.Add(string.Create(CultureInfo.InvariantCulture, $"exception {(byte)faults.ExceptionCode:X2} ({faults.ExceptionCode}) rate {faults.ExceptionProbability}"));
        }

        if (faults.ResponseDelay > TimeSpan.Zero)
        {
            parts.Add(string.Create(CultureInfo.InvariantCulture, $"delay {faults.ResponseDelay.TotalMilliseconds} ms"));
        }

        if (faults.CrcErrorProbability > 0)
        {
            parts.Add(string.Create(CultureInfo.InvariantCulture, $"CRC error rate {faults.CrcErrorProbability}"));
        }

        return "fault injection: " + string.Join("; ", parts);
    }

    internal static bool TryParseExceptionCode(string? text, out ModbusExceptionCode code)
    {
        code = ModbusExceptionCode.ServerDeviceFailure;
        if (string.IsNullOrWhiteSpace(text))
        {
            return false;
        }

        var parsed = text.StartsWith("0x", StringComparison.OrdinalIgnoreCase)
            ? byte.TryParse(text.AsSpan(2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var value)
            : byte.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out value);
        if (!parsed || !Enum.IsDefined((ModbusExceptionCode)value))
        {
            return false;
        }

        code = (ModbusExceptionCode)value;
        return true;
    }
}

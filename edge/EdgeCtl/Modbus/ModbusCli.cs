using System.CommandLine;
using System.Globalization;
using System.Net.Sockets;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using City.Protocols.Modbus;
using City.Protocols.Modbus.DataModel;

namespace City.EdgeCtl.Modbus;

/// <summary>
/// <c>edgectl modbus read|write ENDPOINT ...</c>: ad-hoc requests straight to a device, bypassing the edge daemon.
/// Every failure is one line on <c>error</c> (and <c>{"error": "..."}</c> on <c>output</c> with --json) and exit code 1.
/// </summary>
internal static class ModbusCli
{
    private const int MaxReadRegisters = 125;
    private const int MaxReadBits = 2000;
    private const int MaxWriteRegisters = 123;
    private const int MaxWriteCoils = 1968;

    // Messages are for a terminal or a script, not HTML: keep quotes readable instead of \u0027.

    public static Command Create(Option<bool> jsonOption, TextWriter output, TextWriter error)
    {
        ArgumentNullException.ThrowIfNull(jsonOption);
        var endpointArgument = new Argument<string>("endpoint")
        {
            Description = "tcp://HOST[:PORT] (port 502 by default) or rtu:///dev/ttyX?baud=19200&parity=even&stop=1",
        };
        var unitOption = new Option<int>("--unit") { Description = "Unit (slave) id", Required = true };
        var addressOption = new Option<int>("--address")
        {
            Description = "0-based protocol address (mbpoll's -r is 1-based: mbpoll -r 101 is --address 100)",
            Required = true,
        };
        var typeOption = new Option<string?>("--type")
        {
            Description = "uint16|int16|uint32|int32|float32|uint64|int64|float64|bool (default uint16 for registers, bool for coils/discrete inputs)",
        };
        var orderOption = new Option<string>("--order")
        {
            Description = "Word order of 32/64-bit values: ABCD (big-endian, default), CDAB, BADC, DCBA",
            DefaultValueFactory = _ => "ABCD",
        };
        var timeoutOption = new Option<int>("--timeout-ms")
        {
            Description = "Connect and answer timeout in milliseconds",
            DefaultValueFactory = _ => 1000,
        };

        var readTable = new Option<string>("--table") { Description = "holding|input|coil|discrete", Required = true };
        var countOption = new Option<int>("--count")
        {
            Description = "Number of values of --type (registers read = count x type width)",
            DefaultValueFactory = _ => 1,
        };
        var read = new Command("read", "Read registers, coils or discrete inputs from a device")
        {
            endpointArgument, unitOption, readTable, addressOption, countOption, typeOption, orderOption, timeoutOption,
        };
        read.SetAction((parse, cancellation) => RunAsync(
            parse.GetValue(jsonOption),
            output,
            error,
            json => ParseCommon(parse.GetValue(endpointArgument), parse.GetValue(unitOption), parse.GetValue(readTable), parse.GetValue(addressOption),
                parse.GetValue(typeOption), parse.GetValue(orderOption), parse.GetValue(timeoutOption), write: false, out Common? common, out string message)
                ? ReadAsync(common!, parse.GetValue(countOption), json, output, cancellation)
                : throw new CliException(message)));

        var writeTable = new Option<string>("--table") { Description = "holding|coil", Required = true };
        var valuesArgument = new Argument<string[]>("values")
        {
            Description = "Values to write from --address on (put -- before the first value if it is negative)",
            Arity = ArgumentArity.OneOrMore,
        };
        var write = new Command("write", "Write holding registers (FC06/FC16) or coils (FC05/FC15) of a device")
        {
            endpointArgument, unitOption, writeTable, addressOption, valuesArgument, typeOption, orderOption, timeoutOption,
        };
        write.SetAction((parse, cancellation) => RunAsync(
            parse.GetValue(jsonOption),
            output,
            error,
            json => ParseCommon(parse.GetValue(endpointArgument), parse.GetValue(unitOption), parse.GetValue(writeTable), parse.GetValue(addressOption),
                parse.GetValue(typeOption), parse.GetValue(orderOption), parse.GetValue(timeoutOption), write: true, out Common? common, out string message)
                ? WriteAsync(common!, parse.GetValue(valuesArgument) ?? [], json, output, cancellation)
                : throw new CliException(message)));

        return new Command("modbus", "Ad-hoc Modbus requests straight to a device (not through the edge daemon)") { read, write };
    }

    /// <summary>Runs one command body and turns every expected failure into one line and exit code 1.</summary>
    internal static async Task<int> RunAsync(bool json, TextWriter output, TextWriter error, Func<bool, Task> body)
    {
        ArgumentNullException.ThrowIfNull(body);
        string message;
        try
        {
            await body(json).ConfigureAwait(false);
            return 0;
        }
        catch (CliException e)
        {
            message = e.Message;
        }

        if (json)
        {
            await output.WriteLineAsync(JsonSerializer.Serialize(new ErrorOutput(message), EdgeCtlJson.Compact.ErrorOutput)).ConfigureAwait(false);
        }

        await error.WriteLineAsync($"edgectl: {message}").ConfigureAwait(false);
        return 1;
    }

    private static async Task ReadAsync(Common c, int count, bool json, TextWriter output, CancellationToken cancellation)
    {
        bool bits = c.Table.IsBitTable();
        int width = RegisterDecoding.Width(c.Type);
        long total = (long)count * width;
        int limit = bits ? MaxReadBits : MaxReadRegisters;
        if (count < 1 || total > limit)
        {
            throw new CliException($"--count must be 1..{limit / width} for {RegisterDecoding.ConfigName(c.Type)} (at most {limit} {(bits ? "bits" : "registers")} per request)");
        }

        if (c.Address + total > 65536)
        {
            throw new CliException($"--address {c.Address} + {total} {(bits ? "bits" : "registers")} goes past 65535");
        }

        var texts = new string[count];
        await using (ModbusSession session = OpenSession(c))
        {
            if (bits)
            {
                bool[] values = await Guard(c, () => session.ReadBitsAsync(c.Table, c.Unit, c.Address, (ushort)count, cancellation)).ConfigureAwait(false);
                for (int i = 0; i < count; i++)
                {
                    texts[i] = ValueCodec.FormatBool(values[i]);
                }
            }
            else
            {
                ushort[] registers = await Guard(c, () => session.ReadRegistersAsync(c.Table, c.Unit, c.Address, (ushort)total, cancellation)).ConfigureAwait(false);
                for (int i = 0; i < count; i++)
                {
                    ValueCodec.TryDecode(registers.AsSpan(i * width, width), c.Type, c.Order, out texts[i]);
                }
            }
        }

        if (json)
        {
            await output.WriteLineAsync(JsonArray(texts)).ConfigureAwait(false);
            return;
        }

        var table = new StringBuilder();
        table.AppendLine("address  value");
        for (int i = 0; i < count; i++)
        {
            table.Append(CultureInfo.InvariantCulture, $"{c.Address + (i * width),7}  {texts[i]}").AppendLine();
        }

        await output.WriteAsync(table.ToString()).ConfigureAwait(false);
    }

    private static async Task WriteAsync(Common c, string[] values, bool json, TextWriter output, CancellationToken cancellation)
    {
        if (values.Length == 0)
        {
            throw new CliException("no value to write");
        }

        string what;
        if (c.Table == ModbusTable.Coil)
        {
            var coils = new bool[values.Length];
            for (int i = 0; i < values.Length; i++)
            {
                if (!ValueCodec.TryParseBool(values[i], out coils[i], out string message))
                {
                    throw new CliException(message);
                }
            }

            if (coils.Length > MaxWriteCoils || c.Address + coils.Length > 65536)
            {
                throw new CliException($"at most {MaxWriteCoils} coils per request, within addresses 0..65535");
            }

            bool single = coils.Length == 1;
            await using (ModbusSession session = OpenSession(c))
            {
                await Guard(c, async () =>
                {
                    await session.WriteCoilsAsync(c.Unit, c.Address, coils, single, cancellation).ConfigureAwait(false);
                    return true;
                }).ConfigureAwait(false);
            }

            what = single
                ? $"wrote coil {c.Address} = {ValueCodec.FormatBool(coils[0])} on unit {c.Unit} at {c.Endpoint} (FC05)"
                : $"wrote {coils.Length} coils from {c.Address} on unit {c.Unit} at {c.Endpoint} (FC15)";
        }
        else
        {
            int width = RegisterDecoding.Width(c.Type);
            var registers = new ushort[values.Length * width];
            if (registers.Length > MaxWriteRegisters || c.Address + registers.Length > 65536)
            {
                throw new CliException($"at most {MaxWriteRegisters} registers per request, within addresses 0..65535");
            }

            for (int i = 0; i < values.Length; i++)
            {
                if (!ValueCodec.TryEncode(values[i], c.Type, c.Order, registers.AsSpan(i * width, width), out string message))
                {
                    throw new CliException(message);
                }
            }

            bool single = registers.Length == 1;
            await using (ModbusSession session = OpenSession(c))
            {
                await Guard(c, async () =>
                {
                    await session.WriteRegistersAsync(c.Unit, c.Address, registers, single, cancellation).ConfigureAwait(false);
                    return true;
                }).ConfigureAwait(false);
            }

            what = single
                ? $"wrote register {c.Address} = {values[0]} on unit {c.Unit} at {c.Endpoint} (FC06)"
                : $"wrote {values.Length} {RegisterDecoding.ConfigName(c.Type)} ({registers.Length} registers) from {c.Address} on unit {c.Unit} at {c.Endpoint} (FC16)";
        }

        await output.WriteLineAsync(json ? $"{{\"written\":{values.Length.ToString(CultureInfo.InvariantCulture)}}}" : what).ConfigureAwait(false);
    }

    private static ModbusSession OpenSession(Common c)
    {
        if (c.Endpoint.Kind == ModbusTransportKind.Rtu && c.Endpoint.Target.StartsWith('/') && !File.Exists(c.Endpoint.Target))
        {
            // System.IO.Ports reports a missing device as "access denied"; say what is wrong.
            throw new CliException($"cannot open serial port {c.Endpoint.Target}: no such device");
        }

        try
        {
            return ModbusSession.Open(c.Endpoint, c.Timeout);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or InvalidOperationException)
        {
            throw new CliException($"cannot open serial port {c.Endpoint.Target}: {e.Message}");
        }
    }

    /// <summary>Runs one request and turns the Modbus library's failures into one-line messages.</summary>
    private static async Task<T> Guard<T>(Common c, Func<Task<T>> request)
    {
        string where = $"unit {c.Unit} at {c.Endpoint}";
        string ms = ((long)c.Timeout.TotalMilliseconds).ToString(CultureInfo.InvariantCulture);
        try
        {
            return await request().ConfigureAwait(false);
        }
        catch (ModbusException e)
        {
            throw new CliException(
                $"{where} answered exception {(byte)e.ExceptionCode:X2} {ExceptionName(e.ExceptionCode)} (function {(byte)e.Function:X2})");
        }
        catch (ModbusTimeoutException e) when (e.Message.StartsWith("Connecting to", StringComparison.Ordinal))
        {
            // The library uses the same exception type for the connect timeout; its message is the only difference.
            throw new CliException($"cannot connect to {c.Endpoint}: no connection within {ModbusSession.ConnectTimeoutFor(c.Timeout).TotalMilliseconds.ToString(CultureInfo.InvariantCulture)} ms");
        }
        catch (ModbusTimeoutException)
        {
            throw new CliException($"{where} did not answer within {ms} ms");
        }
        catch (ModbusProtocolException e) when (e.Message.Contains("CRC", StringComparison.Ordinal))
        {
            throw new CliException($"CRC error in the answer from {where}: {e.Message}");
        }
        catch (ModbusProtocolException e)
        {
            throw new CliException($"bad answer from {where}: {e.Message}");
        }
        catch (SocketException e)
        {
            throw new CliException(e.SocketErrorCode switch
            {
                SocketError.ConnectionRefused => $"cannot connect to {c.Endpoint}: connection refused",
                SocketError.HostNotFound or SocketError.NoData or SocketError.TryAgain => $"cannot connect to {c.Endpoint}: unknown host {c.Endpoint.Target}",
                SocketError.HostUnreachable or SocketError.NetworkUnreachable => $"cannot connect to {c.Endpoint}: host unreachable",
                _ => $"connection to {c.Endpoint} failed: {e.Message}",
            });
        }
        catch (IOException e)
        {
            throw new CliException($"connection to {c.Endpoint} failed: {e.Message}");
        }
        catch (OperationCanceledException)
        {
            throw new CliException($"request to {where} cancelled");
        }
    }

    /// <summary>IllegalDataAddress -> "illegal data address".</summary>
    internal static string ExceptionName(ModbusExceptionCode code)
    {
        string name = code.ToString();
        if (!Enum.IsDefined(code))
        {
            return "unknown exception";
        }

        var words = new StringBuilder(name.Length + 8);
        foreach (char ch in name)
        {
            if (char.IsUpper(ch) && words.Length > 0)
            {
                words.Append(' ');
            }

            words.Append(char.ToLowerInvariant(ch));
        }

        return words.ToString();
    }

    private static string JsonArray(string[] texts)
    {
        var json = new StringBuilder("[");
        for (int i = 0; i < texts.Length; i++)
        {
            if (i > 0)
            {
                json.Append(',');
            }

            // Non-finite floats are not JSON numbers: null, as in the edge's and central's APIs (the table names them).
            json.Append(texts[i] is "NaN" or "Infinity" or "-Infinity" ? "null" : texts[i]);
        }

        return json.Append(']').ToString();
    }

    private static bool ParseCommon(
        string? endpointText, int unit, string? tableText, int address, string? typeText, string? orderText, int timeoutMs, bool write,
        out Common? common, out string error)
    {
        common = null;
        if (!ModbusEndpoint.TryParse(endpointText, out ModbusEndpoint? endpoint, out error))
        {
            return false;
        }

        bool rtu = endpoint!.Kind == ModbusTransportKind.Rtu;
        if (!RegisterDecoding.TryParseTable(tableText, out ModbusTable table) || (write && !table.IsWritableTable()))
        {
            error = $"bad --table '{tableText}': expected {(write ? "holding|coil" : "holding|input|coil|discrete")}";
            return false;
        }

        (int minUnit, int maxUnit) = rtu ? (write ? 0 : 1, 247) : (0, 255);
        if (unit < minUnit || unit > maxUnit)
        {
            error = $"--unit must be {minUnit}..{maxUnit} for {(rtu ? "RTU" : "TCP")}{(rtu && !write && unit == 0 ? " (0 is broadcast, writes only)" : string.Empty)}";
            return false;
        }

        if (address is < 0 or > 65535)
        {
            error = $"--address must be 0..65535 (0-based protocol address), got {address}";
            return false;
        }

        bool bits = table.IsBitTable();
        RegisterDataType type = bits ? RegisterDataType.Bool : RegisterDataType.UInt16;
        if (typeText is not null && (!RegisterDecoding.TryParseDataType(typeText, out type) || type == RegisterDataType.String))
        {
            error = $"bad --type '{typeText}': expected uint16|int16|uint32|int32|float32|uint64|int64|float64|bool";
            return false;
        }

        if (bits != (type == RegisterDataType.Bool))
        {
            error = bits ? $"--table {tableText} holds bits: --type must be bool" : $"--type bool is for coils and discrete inputs, not {tableText} registers";
            return false;
        }

        if (!RegisterDecoding.TryParseWordOrder(orderText, out WordOrder order))
        {
            error = $"bad --order '{orderText}': expected ABCD|CDAB|BADC|DCBA";
            return false;
        }

        if (timeoutMs is < 1 or > 600_000)
        {
            error = $"--timeout-ms must be 1..600000, got {timeoutMs}";
            return false;
        }

        common = new Common(endpoint, (byte)unit, table, (ushort)address, type, order, TimeSpan.FromMilliseconds(timeoutMs));
        return true;
    }

    internal sealed record Common(ModbusEndpoint Endpoint, byte Unit, ModbusTable Table, ushort Address, RegisterDataType Type, WordOrder Order, TimeSpan Timeout);

    private sealed class CliException(string message) : Exception(message);
}

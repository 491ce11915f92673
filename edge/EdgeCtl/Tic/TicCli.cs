using System.CommandLine;
using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;
using City.Protocols.Tic;

namespace City.EdgeCtl.Tic;

/// <summary>
/// <c>edgectl tic read serial:///dev/ttyX [--mode historic|standard] [--json]</c>: listens to a Linky meter's TIC output
/// and prints the groups of one whole frame. Without --mode the line is tried at 9600 baud (standard) first, then at
/// 1200 (historic); the mode of the frame is told by its separators. Every failure is one line on <c>error</c> (and
/// <c>{"error": "..."}</c> with --json) and exit code 1.
/// </summary>
internal static class TicCli
{
    public const string SerialScheme = "serial://";

    /// <summary>How long the automatic mode listens at 9600 baud before it tries 1200: a standard frame comes every 1-2 s.</summary>
    public static readonly TimeSpan StandardProbe = TimeSpan.FromSeconds(4);

    public static Command Create(Option<bool> jsonOption, TextWriter output, TextWriter error)
    {
        ArgumentNullException.ThrowIfNull(jsonOption);
        var endpointArgument = new Argument<string>("endpoint") { Description = "serial:///dev/ttyX: the serial port the meter's TIC output is wired to" };
        var modeOption = new Option<string?>("--mode") { Description = "historic (1200 baud) or standard (9600 baud); default: tried in turn, told by the frame" };
        modeOption.AcceptOnlyFromAmong("historic", "standard");
        var timeoutOption = new Option<int>("--timeout-ms") { Description = "How long to wait for a whole frame", DefaultValueFactory = _ => 15_000 };
        var read = new Command("read", "Print the groups of one frame: label, value, unit, date (or JSON)") { endpointArgument, modeOption, timeoutOption };
        read.SetAction(async (parse, cancellation) =>
        {
            bool json = parse.GetValue(jsonOption);
            try
            {
                TicMode? mode = TicModes.TryParse(parse.GetValue(modeOption), out TicMode parsed) ? parsed : null;
                string endpoint = parse.GetValue(endpointArgument)!;
                int timeoutMs = parse.GetValue(timeoutOption);
                if (timeoutMs is < 100 or > 600_000)
                {
                    throw new TicCliException("--timeout-ms must be between 100 and 600000");
                }

                TicFrame frame = await ReadFrameAsync(PortOf(endpoint), mode, TimeSpan.FromMilliseconds(timeoutMs), cancellation).ConfigureAwait(false);
                await output.WriteAsync(json ? TicFrameView.Json(frame) + Environment.NewLine : TicFrameView.Table(frame)).ConfigureAwait(false);
                await error.WriteLineAsync(TicFrameView.Summary(frame, endpoint)).ConfigureAwait(false);
                return 0;
            }
            catch (TicCliException e)
            {
                if (json)
                {
                    await output.WriteLineAsync(ErrorJson(e.Message)).ConfigureAwait(false);
                }

                await error.WriteLineAsync($"edgectl: {e.Message}").ConfigureAwait(false);
                return 1;
            }
        });
        return new Command("tic", "Read a Linky meter's téléinformation output (TIC) straight from its serial line") { read };
    }

    internal static string PortOf(string endpoint)
    {
        if (endpoint is null || !endpoint.StartsWith(SerialScheme, StringComparison.Ordinal) || endpoint.Length == SerialScheme.Length)
        {
            throw new TicCliException($"bad endpoint '{endpoint}': expected serial:///dev/ttyX");
        }

        return endpoint[SerialScheme.Length..];
    }

    /// <summary>The first whole frame on the port: at the mode's speed, or 9600 baud then 1200 when no mode is given.</summary>
    internal static async Task<TicFrame> ReadFrameAsync(string port, TicMode? mode, TimeSpan timeout, CancellationToken cancellationToken)
    {
        if (!File.Exists(port))
        {
            throw new TicCliException($"no serial device {port}");
        }

        var deadline = DateTimeOffset.UtcNow + timeout;
        IEnumerable<(int Baud, TimeSpan Window)> attempts = mode is { } fixedMode
            ? [(fixedMode.BaudRate(), timeout)]
            : [(TicModes.StandardBaudRate, timeout < StandardProbe * 2 ? timeout / 2 : StandardProbe), (TicModes.HistoricBaudRate, TimeSpan.MaxValue)];
        foreach ((int baud, TimeSpan window) in attempts)
        {
            TimeSpan left = deadline - DateTimeOffset.UtcNow;
            TimeSpan wait = window < left ? window : left;
            if (wait <= TimeSpan.Zero)
            {
                break;
            }

            if (await TryReadAtAsync(port, baud, mode, wait, cancellationToken).ConfigureAwait(false) is { } frame)
            {
                return frame;
            }
        }

        throw new TicCliException(string.Create(CultureInfo.InvariantCulture,
            $"no whole TIC frame on {port} within {timeout.TotalMilliseconds} ms ({(mode is { } m ? $"{m.Name()} mode, {m.BaudRate()} baud" : "tried 9600 and 1200 baud")} 7E1)"));
    }

    private static async Task<TicFrame?> TryReadAtAsync(string port, int baud, TicMode? mode, TimeSpan wait, CancellationToken cancellationToken)
    {
        TicSerialLine line;
        try
        {
            line = TicSerialLine.Open(port, baud);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or InvalidOperationException)
        {
            throw new TicCliException($"cannot open {port}: {e.Message}");
        }

        using (line)
        using (var timeoutSource = new CancellationTokenSource(wait))
        using (var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeoutSource.Token))
        // A serial read does not always observe cancellation: closing the port ends it.
        using (linked.Token.Register(line.Dispose))
        {
            var reader = new TicFrameReader(line.Stream, mode);
            try
            {
                while (true)
                {
                    TicFrame frame = await reader.ReadFrameAsync(linked.Token).ConfigureAwait(false);
                    if (!frame.Interrupted && frame.Groups.Count > 0)
                    {
                        return frame;
                    }
                }
            }
            catch (Exception e) when (timeoutSource.IsCancellationRequested && !cancellationToken.IsCancellationRequested
                && e is OperationCanceledException or ObjectDisposedException or IOException or InvalidOperationException)
            {
                return null;
            }
            catch (Exception e) when (e is IOException or EndOfStreamException && !cancellationToken.IsCancellationRequested)
            {
                throw new TicCliException($"{port} failed: {e.Message}");
            }
        }
    }

    private static string ErrorJson(string message)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            json.WriteStartObject();
            json.WriteString("error", message);
            json.WriteEndObject();
        }

        return System.Text.Encoding.UTF8.GetString(buffer.ToArray());
    }
}

/// <summary>A failure of <c>edgectl tic</c>, worded for the technician.</summary>
internal sealed class TicCliException(string message) : Exception(message);

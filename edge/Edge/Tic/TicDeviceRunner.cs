using City.Contract;
using City.Contract.Wire;
using City.Edge.Devices;
using City.Protocols.Tic;
using Microsoft.Extensions.Logging;

namespace City.Edge.Tic;

/// <summary>
/// Listens to a meter's TIC line and publishes. The meter pushes a frame every 1-2 s; the runner keeps reading, and at
/// the first whole frame after each publish period reports the values of that frame's groups (timestamped at its
/// arrival) and the line's counters. A line silent for longer than <see cref="SilenceFor"/> gives one poll failure and
/// comm-loss readings of the values last published; the port is then reopened (in auto mode at the other speed).
/// </summary>
internal sealed partial class TicDeviceRunner(TimeProvider time, ILogger<TicDeviceRunner> logger) : IDeviceRunner
{
    public bool Handles(DeviceDefinition device) => device?.Settings is TicDeviceSettings;

    /// <summary>How long a line may stay without a whole frame: three historic frames at 1200 baud, one 9600-baud probe.</summary>
    public static TimeSpan SilenceFor(TicMode mode) => mode == TicMode.Standard ? TimeSpan.FromSeconds(5) : TimeSpan.FromSeconds(8);

    public async Task RunAsync(DeviceDefinition device, DeviceRunContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(device);
        ArgumentNullException.ThrowIfNull(context);
        var settings = device.SettingsOf<TicDeviceSettings>();
        var points = device.PointsOf<TicPoint>();
        var run = new TicLineRun(device, points, context, time);
        TicMode listening = settings.Mode ?? TicMode.Standard;
        while (!cancellationToken.IsCancellationRequested)
        {
            TicSerialLine line;
            try
            {
                line = TicSerialLine.Open(settings.SerialPort, listening.BaudRate());
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException or InvalidOperationException)
            {
                context.State.Device(device.Name).RecordPoll(time.GetUtcNow(), false, $"cannot open {settings.SerialPort}: {ex.Message}", PollErrorKinds.Link);
                throw;
            }

            LogListening(logger, device.Name, settings.SerialPort, line.BaudRate, line.Format, settings.Mode?.Name() ?? "auto");
            using (line)
            {
                bool heard = await ListenAsync(line, settings, listening, run, cancellationToken).ConfigureAwait(false);
                if (!heard && !cancellationToken.IsCancellationRequested)
                {
                    await run.ReportSilenceAsync(settings.SerialPort, line.BaudRate, SilenceFor(listening), cancellationToken).ConfigureAwait(false);
                    if (settings.Mode is null)
                    {
                        listening = listening == TicMode.Standard ? TicMode.Historic : TicMode.Standard;
                    }
                }
            }
        }
    }

    /// <summary>Reads frames until the line stays silent too long (false) or the run is cancelled.</summary>
    private static async Task<bool> ListenAsync(TicSerialLine line, TicDeviceSettings settings, TicMode listening, TicLineRun run, CancellationToken cancellationToken)
    {
        var reader = new TicFrameReader(line.Stream, settings.Mode);
        run.Attach(reader.Decoder);
        while (!cancellationToken.IsCancellationRequested)
        {
            using var silence = new CancellationTokenSource(SilenceFor(listening));
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, silence.Token);

            // A serial read does not always observe cancellation: closing the port ends it (the port is reopened after).
            using var closeOnSilence = linked.Token.Register(line.Dispose);
            TicFrame frame;
            try
            {
                frame = await reader.ReadFrameAsync(linked.Token).ConfigureAwait(false);
            }
            catch (Exception ex) when (linked.IsCancellationRequested
                && ex is OperationCanceledException or ObjectDisposedException or IOException or InvalidOperationException)
            {
                return false;
            }

            await run.OnFrameAsync(frame, settings.PublishPeriod, cancellationToken).ConfigureAwait(false);
        }

        return true;
    }

    public Task<WriteResult> WriteAsync(DeviceDefinition device, DevicePoint point, PointWriteValue value, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(point);
        return Task.FromResult(new WriteResult(point.Id, WriteStatus.Refused, $"{point.Id}: a TIC meter is read only (the TIC output has no way back)", value.ToString()));
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "TIC meter {Device}: listening on {Port} at {Baud} baud {Format} (mode {Mode})")]
    private static partial void LogListening(ILogger logger, string device, string port, int baud, string format, string mode);
}

/// <summary>
/// What one run of a meter keeps between frames: the last publication, the values published (for comm-loss readings) and
/// the decoders' counters (a reopened port brings a new decoder; the counters go on).
/// </summary>
internal sealed class TicLineRun(DeviceDefinition device, IReadOnlyList<TicPoint> points, DeviceRunContext context, TimeProvider time)
{
    private readonly TicFrameValues _values = new(points);
    private readonly Dictionary<string, TicPoint> _own = points.Where(p => p.Label is null).ToDictionary(p => p.Name, StringComparer.Ordinal);
    private readonly Dictionary<TicPoint, PointValue> _published = [];
    private readonly DeviceState _state = context.State.Device(device.Name);
    private DateTimeOffset _lastPublished = DateTimeOffset.MinValue;
    private TicFrameDecoder? _decoder;
    private long _framesBefore;
    private long _badChecksumsBefore;
    private long _malformedBefore;
    private DateTimeOffset _lastTimestamp = DateTimeOffset.MinValue;

    public void Attach(TicFrameDecoder decoder)
    {
        if (_decoder is not null)
        {
            (_framesBefore, _badChecksumsBefore, _malformedBefore) = Counters();
        }

        _decoder = decoder;
    }

    public async Task OnFrameAsync(TicFrame frame, TimeSpan publishPeriod, CancellationToken cancellationToken)
    {
        DateTimeOffset now = NextTimestamp();
        if (frame.Interrupted || now - _lastPublished < publishPeriod)
        {
            return;
        }

        _lastPublished = now;
        foreach ((TicPoint point, PointValue value) in _values.Of(frame))
        {
            await ReportAsync(point, value, Quality.Good, now, cancellationToken).ConfigureAwait(false);
        }

        (long frames, long badChecksums, long malformed) = Counters();
        await ReportOwnAsync(TicDeviceConfig.ModePoint, PointValue.FromText(frame.Mode.Name()), now, cancellationToken).ConfigureAwait(false);
        await ReportOwnAsync(TicDeviceConfig.FramesPoint, PointValue.FromNumber(frames), now, cancellationToken).ConfigureAwait(false);
        await ReportOwnAsync(TicDeviceConfig.BadChecksumsPoint, PointValue.FromNumber(badChecksums), now, cancellationToken).ConfigureAwait(false);
        await ReportOwnAsync(TicDeviceConfig.MalformedGroupsPoint, PointValue.FromNumber(malformed), now, cancellationToken).ConfigureAwait(false);
        _state.RecordPoll(now, true, null);
    }

    public async Task ReportSilenceAsync(string port, int baud, TimeSpan silence, CancellationToken cancellationToken)
    {
        DateTimeOffset now = NextTimestamp();
        _state.RecordPoll(now, false, $"no whole TIC frame on {port} at {baud} baud for {silence.TotalSeconds:0} s", PollErrorKinds.Timeout);
        foreach ((TicPoint point, PointValue value) in _published.ToList())
        {
            await ReportAsync(point, value, Quality.CommLoss, now, cancellationToken).ConfigureAwait(false);
        }
    }

    private (long Frames, long BadChecksums, long Malformed) Counters() =>
        (_framesBefore + (_decoder?.Frames ?? 0), _badChecksumsBefore + (_decoder?.TotalBadChecksums ?? 0), _malformedBefore + (_decoder?.TotalMalformedGroups ?? 0));

    private Task ReportOwnAsync(string name, PointValue value, DateTimeOffset at, CancellationToken cancellationToken) =>
        _own.TryGetValue(name, out var point) ? ReportAsync(point, value, Quality.Good, at, cancellationToken) : Task.CompletedTask;

    private async Task ReportAsync(TicPoint point, PointValue value, Quality quality, DateTimeOffset at, CancellationToken cancellationToken)
    {
        if (quality == Quality.Good)
        {
            _published[point] = value;
        }

        await context.ReportAsync(point, value, quality, at, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Now, but never the millisecond of the previous publication: two readings of a point never share a timestamp.</summary>
    private DateTimeOffset NextTimestamp()
    {
        DateTimeOffset now = time.GetUtcNow();
        if (now.ToUnixTimeMilliseconds() <= _lastTimestamp.ToUnixTimeMilliseconds())
        {
            now = _lastTimestamp.AddMilliseconds(1);
        }

        _lastTimestamp = now;
        return now;
    }
}

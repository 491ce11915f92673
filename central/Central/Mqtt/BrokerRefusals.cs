using City.Central.Diagnostics;
using City.Central.Ingest;
using Microsoft.Extensions.Logging;

namespace City.Central.Mqtt;

/// <summary>
/// Counts every refusal of the embedded broker by reason (<see cref="IngestStats.Refused"/>, /api/v1/stats) and logs it
/// without letting one client flood the log: per identity and reason the first refusal is logged, then at most one line
/// per 10 s with the number suppressed in between.
/// </summary>
internal sealed partial class BrokerRefusals(IngestStats stats, TimeProvider time, ILogger<BrokerRefusals> logger)
{
    public const string NoIdentity = "no-identity";
    public const string ReservedIdentity = "reserved-identity";
    public const string InvalidIdentity = "invalid-identity";
    public const string ClientIdMismatch = "client-id-mismatch";
    public const string UnknownGateway = "unknown-gateway";
    public const string AdmissionRate = "admission-rate";
    public const string WillNotAuthorized = "will-not-authorized";
    public const string PublishNotAuthorized = "publish-not-authorized";
    public const string SubscribeNotAuthorized = "subscribe-not-authorized";
    public const string TlsHandshake = "tls-handshake";
    public const string ProtocolViolation = "protocol-violation";

    private readonly LogThrottle<(string Reason, string Source)> _throttle = new(TimeSpan.FromSeconds(10));

    /// <summary>Counts and (rate-limited) logs one refusal. <paramref name="source"/> is the identity, or what the client claimed.</summary>
    public void Refused(string reason, string source, string detail)
    {
        stats.Refuse(reason);
        var printable = Printable(source);
        if (!_throttle.ShouldLog((reason, printable), time.GetUtcNow(), out var suppressed))
        {
            return;
        }

        LogRefused(logger, reason, printable, detail, suppressed);
    }

    /// <summary>A connection to the TLS listener that did not complete its handshake (plain MQTT, a client that distrusts us, a port scan).</summary>
    public void HandshakeFailed(Exception exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        Refused(TlsHandshake, "(before TLS)", exception.GetBaseException().Message);
    }

    /// <summary>A connection whose bytes are not MQTT (random bytes on the plain listener, garbage after a TLS handshake).</summary>
    public void NotMqtt(MQTTnet.Exceptions.MqttProtocolViolationException exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        Refused(ProtocolViolation, "(before CONNECT)", exception.Message);
    }

    /// <summary>A client-chosen text cut to 80 characters without control characters, safe for one log line.</summary>
    public static string Printable(string? text)
    {
        if (string.IsNullOrEmpty(text))
        {
            return "(none)";
        }

        var cut = text.Length > 80 ? text[..80] + "..." : text;
        return string.Create(cut.Length, cut, static (span, s) =>
        {
            for (var i = 0; i < s.Length; i++)
            {
                span[i] = char.IsControl(s[i]) ? '?' : s[i];
            }
        });
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "MQTT broker refused ({Reason}) {Source}: {Detail} ({Suppressed} similar suppressed since the last report)")]
    private static partial void LogRefused(ILogger logger, string reason, string source, string detail, long suppressed);

}

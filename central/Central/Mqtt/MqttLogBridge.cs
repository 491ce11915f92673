using System.Globalization;
using Microsoft.Extensions.Logging;
using MQTTnet.Diagnostics.Logger;
using MQTTnet.Exceptions;

namespace City.Central.Mqtt;

/// <summary>
/// Forwards MQTTnet's own log to an <see cref="ILogger"/> (its verbose level maps to Trace). A client that does not speak
/// MQTT (random bytes, a port scan, garbage after TLS) is handed to <paramref name="protocolViolation"/> when given (the
/// broker counts and rate-limits it as a refusal) instead of one error line with a stack trace per connection.
/// </summary>
internal sealed class MqttLogBridge(ILogger logger, Action<MqttProtocolViolationException>? protocolViolation = null) : IMqttNetLogger
{
    public bool IsEnabled => logger.IsEnabled(LogLevel.Warning);

    public void Publish(MqttNetLogLevel level, string source, string message, object[] parameters, Exception exception)
    {
        var mapped = level switch
        {
            MqttNetLogLevel.Verbose => LogLevel.Trace,
            MqttNetLogLevel.Info => LogLevel.Debug,
            MqttNetLogLevel.Warning => LogLevel.Warning,
            _ => LogLevel.Error,
        };
        if (exception is MqttProtocolViolationException violation && protocolViolation is not null)
        {
            protocolViolation(violation);
            return;
        }

        if (exception is MqttCommunicationException && mapped > LogLevel.Warning)
        {
            // Network failures: the ingest client logs and retries them itself.
            mapped = LogLevel.Debug;
        }

        if (!logger.IsEnabled(mapped))
        {
            return;
        }

        var text = parameters is { Length: > 0 } ? string.Format(CultureInfo.InvariantCulture, message, parameters) : message;
        // MQTTnet hands over preformatted text.
        if (mapped == LogLevel.Warning && exception is not null && !logger.IsEnabled(LogLevel.Debug))
        {
            // MQTTnet warns about every broken connection; the message is enough unless debugging.
            logger.Log(mapped, "[{Source}] {Message}: {Error}", source, text, exception.GetBaseException().Message);
        }
        else
        {
            logger.Log(mapped, exception, "[{Source}] {Message}", source, text);
        }
    }
}

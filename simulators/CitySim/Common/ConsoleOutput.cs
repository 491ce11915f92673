using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace City.Sim.Common;

/// <summary>Results go to stdout (one JSON document per result with --json), logs and progress to stderr.</summary>
internal static class ConsoleOutput
{
    private static readonly Lock Gate = new();

    public static void Log(string message)
    {
        lock (Gate)
        {
            Console.Error.WriteLine($"{DateTimeOffset.Now:HH:mm:ss.fff} {message}");
        }
    }

    public static void Result(string line)
    {
        lock (Gate)
        {
            Console.Out.WriteLine(line);
            Console.Out.Flush();
        }
    }

    public static void Json<T>(T value, JsonTypeInfo<T> typeInfo) => Result(JsonSerializer.Serialize(value, typeInfo));
}

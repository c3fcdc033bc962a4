using Serilog.Core;
using Serilog.Events;
using Serilog.Formatting;

namespace OpenMeet.AppService.Hosting;

/// <summary>Writes formatted log events to a TextWriter: stdout in service, a buffer in tests.</summary>
public sealed class TextWriterSink(ITextFormatter formatter, TextWriter output) : ILogEventSink
{
    private readonly Lock gate = new();

    public void Emit(LogEvent logEvent)
    {
        lock (gate)
        {
            formatter.Format(logEvent, output);
            output.Flush();
        }
    }
}

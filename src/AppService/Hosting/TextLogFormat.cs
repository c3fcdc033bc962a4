using System.Globalization;
using Serilog.Events;
using Serilog.Formatting;
using Serilog.Formatting.Display;

namespace OpenMeet.AppService.Hosting;

/// <summary><c>logging.format: text</c>: a line an event, with the request's id in brackets after the source
/// when it was written while a request was handled.</summary>
public sealed class TextLogFormat : ITextFormatter
{
    private const string Head = "{Timestamp:yyyy-MM-dd HH:mm:ss.fff} [{Level:u3}] {SourceContext}";
    private const string Tail = ": {Message:lj}{NewLine}{Exception}";
    private readonly MessageTemplateTextFormatter plain = new(Head + Tail, CultureInfo.InvariantCulture);
    private readonly MessageTemplateTextFormatter ofRequest = new(Head + " [{" + RequestIds.LogProperty + ":l}]" + Tail, CultureInfo.InvariantCulture);

    public void Format(LogEvent logEvent, TextWriter output) =>
        (logEvent.Properties.ContainsKey(RequestIds.LogProperty) ? ofRequest : plain).Format(logEvent, output);
}

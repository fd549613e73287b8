import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg

from schemas import records as col
from tasks.publish.card import lengths_figure


def test_the_lengths_plot_title_fits_inside_the_figure():
    data = pd.DataFrame(
        {
            col.INSTRUCTION: ["Add two and three.", "Name a colour.", "Count the words in this sentence please."],
            col.INPUT: ["", "", ""],
            col.SOURCE: [col.SOURCE_REAL, col.SOURCE_SYNTHETIC, col.SOURCE_SYNTHETIC],
        }
    )
    figure = lengths_figure(data)
    figure.tight_layout()
    title = figure.axes[0].title.get_window_extent(FigureCanvasAgg(figure).get_renderer())

    assert title.x0 >= 0 and title.x1 <= figure.bbox.width
    assert title.y1 <= figure.bbox.height

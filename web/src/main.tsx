import { render } from 'preact';
import { App } from './app.js';
import { live } from './live/live-events.js';
import './styles.css';

live.connect();
render(<App />, document.getElementById('app')!);
